package io.imlink.transport.grpc.internal;

import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.WriteBudget;
import java.net.URI;
import java.time.Duration;

/** The gRPC settings read from {@link TransportOptions}. */
public final class GrpcOptions {
  /** Property: seconds between HTTP/2 keepalive pings on an idle client connection (default 30). */
  public static final String KEEPALIVE = "grpc.keepAliveTimeSeconds";
  /** Property: seconds to wait for a keepalive ping's answer before the connection is dead (default 10). */
  public static final String KEEPALIVE_TIMEOUT = "grpc.keepAliveTimeoutSeconds";
  /**
   * The former property of the server's write budget, now {@link TransportOptions#maxPendingBytes()}
   * for every transport; setting it is an error that says so.
   */
  public static final String MAX_PENDING_BYTES = "grpc.maxPendingBytes";
  /**
   * Property: concurrent streams a client may open on one server connection (default 4). An imlink
   * client uses one; more are refused by HTTP/2 flow control (SETTINGS_MAX_CONCURRENT_STREAMS).
   */
  public static final String MAX_STREAMS = "grpc.maxStreamsPerConnection";
  /**
   * Property: streams a client may reset on one server connection within {@value #RESET_WINDOW_SECONDS}
   * seconds (default 100); more is a rapid-reset flood (CVE-2023-44487), answered with GOAWAY.
   */
  public static final String MAX_RESETS = "grpc.maxResetsPerWindow";
  /** The window of {@link #MAX_RESETS}, in seconds. */
  public static final int RESET_WINDOW_SECONDS = 10;
  /** Property: server event loop threads (default: cores, at most 4). */
  public static final String IO_THREADS = "grpc.ioThreads";

  private GrpcOptions() {}

  static Duration keepAlive(TransportOptions o) {
    return Duration.ofSeconds(o.property(KEEPALIVE).map(Long::parseLong).orElse(30L));
  }

  static Duration keepAliveTimeout(TransportOptions o) {
    return Duration.ofSeconds(o.property(KEEPALIVE_TIMEOUT).map(Long::parseLong).orElse(10L));
  }

  /** The server's write budget: {@link TransportOptions#maxPendingBytes()}, as on every transport. */
  static WriteBudget budget(TransportOptions o) {
    if (o.property(MAX_PENDING_BYTES).isPresent()) {
      throw new IllegalArgumentException(MAX_PENDING_BYTES
          + " is no longer read: set TransportOptions.Builder.maxPendingBytes, the write budget of every transport");
    }
    return WriteBudget.of(o);
  }

  static int maxStreams(TransportOptions o) {
    return positive(o, MAX_STREAMS, 4);
  }

  static int maxResets(TransportOptions o) {
    return positive(o, MAX_RESETS, 100);
  }

  private static int positive(TransportOptions o, String key, int otherwise) {
    int v = o.property(key).map(Integer::parseInt).orElse(otherwise);
    if (v < 1) {
      throw new IllegalArgumentException(key + " must be at least 1, got " + v);
    }
    return v;
  }

  static int ioThreads(TransportOptions o) {
    return o.property(IO_THREADS).map(Integer::parseInt)
        .orElse(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
  }

  static boolean secure(URI uri) {
    return "grpcs".equalsIgnoreCase(uri.getScheme());
  }

  static void check(URI uri, boolean forBind) {
    if (uri == null || uri.getHost() == null
        || !("grpc".equalsIgnoreCase(uri.getScheme()) || "grpcs".equalsIgnoreCase(uri.getScheme()))) {
      throw new IllegalArgumentException("not a grpc:// or grpcs:// URI with a host: " + uri);
    }
    int port = uri.getPort();
    if (forBind ? port < 0 || port > 65535 : port < 1 || port > 65535) {
      throw new IllegalArgumentException("grpc URI needs a port " + (forBind ? "from 0" : "from 1") + " to 65535: " + uri);
    }
  }
}
