package io.imlink.api.spi;

import java.net.SocketAddress;

/**
 * An open connection that carries opaque byte frames, whole and in order, in both directions. Made
 * by a {@link Connector} (client side) or an {@link Acceptor} (server side); its events go to a
 * {@link FrameHandler}. See the package documentation for the lifecycle.
 *
 * <p>Thread safety: every method may be called from any thread, concurrently; none blocks.
 */
public interface FrameChannel {

  /**
   * Queues one frame for the peer and returns at once. Frames queued from one thread are delivered
   * in that order; the peer receives each one whole, exactly as given. A write failure closes the
   * channel ({@link FrameHandler#onClosed} with the cause).
   *
   * @param frame the frame; the caller must not change it afterwards
   * @return true if queued; false if the channel is already closed (the frame is dropped)
   * @throws IllegalArgumentException if the frame is larger than {@link #maxFrameSize()}
   */
  boolean send(byte[] frame);

  /**
   * Closes the channel in order: frames already queued are flushed first, then the connection
   * closes and {@link FrameHandler#onClosed} reports it with a null cause. Idempotent.
   */
  void close();

  /**
   * Closes in order, as {@link #close()} does (queued frames are flushed first), and tells the peer
   * why by the transport's own means where it has them: a WebSocket close code and reason (see
   * {@link RemoteCloseException#toWebSocketCode}), a gRPC status with the code in its trailers.
   * The peer's handler then gets a {@link RemoteCloseException} with {@code code} and {@code reason}
   * as the cause of its {@link FrameHandler#onClosed}; on a transport without such means (TCP), or
   * in a direction it does not carry them (gRPC, client to server), this is just {@link #close()}
   * and the peer sees an orderly close. Code 0 is an orderly end: the peer sees a null cause. The
   * local handler's {@code onClosed} gets a null cause, whatever the code. Idempotent, together
   * with {@link #close()}: only the first close of either kind counts.
   *
   * <p>This does not replace the imlink frame that says the same inside the protocol ({@code
   * Disconnect}, {@code ConnectAck}); it lets intermediaries and tooling that do not speak imlink
   * see why. The default implementation is {@link #close()}.
   *
   * @param code an imlink code ({@link io.imlink.api.ErrorCode#code()}), 0 for an orderly end
   * @param reason a short text for people and logs; null is taken as empty; a transport may
   *     shorten it (a WebSocket close frame holds 123 bytes)
   */
  default void close(int code, String reason) {
    close();
  }

  /** Whether the channel is still open (it may close at any moment after this returns true). */
  boolean isOpen();

  /**
   * Whether the outbound buffer is below the transport's high-water mark. When false, the peer is
   * slow; sends are still accepted but buffered. See {@link FrameHandler#onWritabilityChanged}.
   */
  boolean isWritable();

  /**
   * The bytes of frames this channel holds for the peer and has not written to the socket yet, as
   * far as the transport counts them (its own queue and its library's; not the operating system's
   * socket buffer). A server channel keeps it within its {@link WriteBudget}. Cheap: no lock held
   * for long, no iteration. The default, for transports that do not count, is 0.
   */
  default long pendingBytes() {
    return 0;
  }

  /** The largest frame this channel sends or accepts, in bytes. */
  int maxFrameSize();

  /** The remote peer's address, as far as the transport knows it. */
  SocketAddress remoteAddress();

  /** The local address of the connection. */
  SocketAddress localAddress();
}
