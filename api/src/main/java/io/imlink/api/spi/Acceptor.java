package io.imlink.api.spi;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * The server side of a {@link TransportProvider}: a bound listener that accepts {@link
 * FrameChannel}s and hands them to its {@link AcceptHandler}.
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
