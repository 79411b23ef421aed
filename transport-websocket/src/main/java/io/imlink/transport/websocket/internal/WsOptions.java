package io.imlink.transport.websocket.internal;

import io.imlink.api.spi.TransportOptions;
import java.net.URI;
import java.util.Collections;
import java.util.List;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.protocols.Protocol;

/** The WebSocket settings read from {@link TransportOptions}. */
public final class WsOptions {
  /** Property: the path served and connected to when a URI has none (default {@code /im}). */
  public static final String PATH = "websocket.path";
  /** Property: seconds without traffic before a WebSocket ping checks the link (default 30; 0 = never). */
  public static final String CONNECTION_LOST_TIMEOUT = "websocket.connectionLostTimeoutSeconds";
  /** Property: the largest WebSocket upgrade request a server reads, in bytes (default 8 KiB). */
  public static final String MAX_HANDSHAKE_BYTES = "websocket.maxHandshakeBytes";
  /** Property: server worker threads decoding messages (default: cores, at most 4). */
  public static final String WORKERS = "websocket.workers";
  /** Outbound messages queued on one connection beyond which it reports itself not writable. */
  static final int WRITABLE_QUEUE = 256;

  private WsOptions() {}

  static String path(URI uri, TransportOptions options) {
    String p = uri.getRawPath();
    if (p != null && !p.isEmpty()) {
      return p;
    }
    return options.property(PATH).orElse("/im");
  }

  static int connectionLostTimeout(TransportOptions options) {
    return options.property(CONNECTION_LOST_TIMEOUT).map(Integer::parseInt).orElse(30);
  }

  static int workers(TransportOptions options) {
    return options.property(WORKERS).map(Integer::parseInt)
        .orElse(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
  }

  static int maxHandshakeBytes(TransportOptions options) {
    int n = options.property(MAX_HANDSHAKE_BYTES).map(Integer::parseInt).orElse(8 * 1024);
    if (n < 256) {
      throw new IllegalArgumentException(MAX_HANDSHAKE_BYTES + " must be at least 256, got " + n);
    }
    return n;
  }

  /** The client's RFC 6455 draft, without extensions; it refuses any frame over the limit before buffering it. */
  static Draft_6455 draft(TransportOptions options) {
    return new Draft_6455(Collections.emptyList(), List.of(new Protocol("")), options.maxFrameSize());
  }

  /** The server's: the client's, behind a {@link FrameGuard} (see {@link ServerDraft}). */
  static ServerDraft serverDraft(TransportOptions options) {
    return new ServerDraft(options.maxFrameSize());
  }

  static boolean secure(URI uri) {
    return "wss".equalsIgnoreCase(uri.getScheme());
  }

  static void check(URI uri, boolean forBind) {
    if (uri == null || uri.getHost() == null
        || !("ws".equalsIgnoreCase(uri.getScheme()) || "wss".equalsIgnoreCase(uri.getScheme()))) {
      throw new IllegalArgumentException("not a ws:// or wss:// URI with a host: " + uri);
    }
    int port = uri.getPort();
    if (forBind ? port < 0 || port > 65535 : port < 1 || port > 65535) {
      throw new IllegalArgumentException("ws URI needs a port " + (forBind ? "from 0" : "from 1") + " to 65535: " + uri);
    }
  }
}
