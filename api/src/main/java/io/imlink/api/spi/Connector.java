package io.imlink.api.spi;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * The client side of a {@link TransportProvider}: opens {@link FrameChannel}s to servers.
 *
 * <p>One engine owns one connector per scheme and closes it when the engine closes. A connector
 * owns the I/O threads of the channels it opened.
 *
 * <p>Thread safety: every method may be called from any thread, concurrently.
 */
public interface Connector extends AutoCloseable {

  /**
   * Starts opening a channel to {@code target}; never blocks.
   *
   * <p>The future completes on a transport thread with the open channel, before any call to {@code
   * handler}; or fails with an {@link java.io.IOException}: {@link java.net.ConnectException} when
   * the connection was refused or the host is unreachable, {@link java.net.SocketTimeoutException}
   * when {@link TransportOptions#connectTimeout()} ran out, another {@code IOException} for other
   * failures (TLS, handshake, unknown host). Cancelling the future abandons the attempt and closes a
   * channel that opens afterwards, without calling {@code handler}.
   *
   * @param target a URI of one of the provider's schemes
   * @param handler receives the channel's frames and its close
   * @throws IllegalArgumentException if {@code target} is malformed for this transport
   * @throws IllegalStateException if this connector is closed
   */
  CompletableFuture<FrameChannel> connect(URI target, FrameHandler handler);

  /**
   * Closes every channel this connector opened (each reports {@link FrameHandler#onClosed} once),
   * fails pending connects, and stops its threads. Blocks until the threads have stopped (bounded
   * by a few seconds). Idempotent.
   */
  @Override
  void close();
}
