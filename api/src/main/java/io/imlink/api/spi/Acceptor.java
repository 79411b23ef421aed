package io.imlink.api.spi;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * The server side of a {@link TransportProvider}: a bound listener that accepts {@link
 * FrameChannel}s and hands them to its {@link AcceptHandler}.
 *
 * <p>A connection is handed over once the transport's own handshake (TLS, WebSocket upgrade,
 * HTTP/2 preface and stream) is complete; one that has not completed it within {@link
 * TransportOptions#handshakeTimeout()} of its TCP accept is closed without being handed over. What
 * goes wrong with one connection — a malformed or oversized frame, an exception or an {@link Error}
 * thrown by its handlers — closes that connection only: the acceptor keeps accepting and serving
 * the others.
 *
 * <p>Thread safety: every method may be called from any thread, concurrently.
 */
public interface Acceptor extends AutoCloseable {

  /** The URI clients connect to, with the port actually bound (never 0). */
  URI uri();

  /** The socket address actually bound. */
  InetSocketAddress localAddress();

  /**
   * Stops listening and closes every channel it accepted (each reports {@link
   * FrameHandler#onClosed} once). Blocks until the listener and its threads have stopped (bounded
   * by a few seconds). Idempotent.
   */
  @Override
  void close();
}
