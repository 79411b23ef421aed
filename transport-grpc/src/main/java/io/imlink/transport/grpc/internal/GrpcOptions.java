package io.imlink.transport.grpc.internal;

import io.imlink.api.spi.TransportOptions;
import java.net.URI;
import java.time.Duration;

/** The gRPC settings read from {@link TransportOptions}. */
public final class GrpcOptions {
  /** Property: seconds between HTTP/2 keepalive pings on an idle client connection (default 30). */
  public static final String KEEPALIVE = "grpc.keepAliveTimeSeconds";
  /** Property: seconds to wait for a keepalive ping's answer before the connection is dead (default 10). */
  public static final String KEEPALIVE_TIMEOUT = "grpc.keepAliveTimeoutSeconds";
  /** Property: bytes a channel may hold for a slow peer before it gives up on it (default 16 MiB). */
  public static final String MAX_PENDING_BYTES = "grpc.maxPendingBytes";
  /** Property: server event loop threads (default: cores, at most 4). */
  public static final String IO_THREADS = "grpc.ioThreads";

  private GrpcOptions() {}

  static Duration keepAlive(TransportOptions o) {
    return Duration.ofSeconds(o.property(KEEPALIVE).map(Long::parseLong).orElse(30L));
  }

  static Duration keepAliveTimeout(TransportOptions o) {
    return Duration.ofSeconds(o.property(KEEPALIVE_TIMEOUT).map(Long::parseLong).orElse(10L));
  }

  static long maxPendingBytes(TransportOptions o) {
    return o.property(MAX_PENDING_BYTES).map(Long::parseLong).orElse(16L * 1024 * 1024);
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
