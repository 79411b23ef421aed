package io.imlink.api.spi;

/**
 * Receives the events of one {@link FrameChannel}: its frames, changes of its writability, and its
 * close.
 *
 * <p>Thread: every method is called on a transport I/O thread, never concurrently for one channel,
 * and must not block: hand work to another executor. An exception thrown from a method closes the
 * channel with that exception as its cause.
 */
public interface FrameHandler {

  /**
   * One whole frame from the peer, in the order the peer sent it.
   *
   * @param channel the channel it arrived on
   * @param frame the frame; ownership passes to the handler (the transport keeps no reference)
   */
  void onFrame(FrameChannel channel, byte[] frame);

  /**
   * The channel became writable again, or stopped being writable because its outbound buffer is
   * above the transport's high-water mark (a slow peer). Transports report what their library
   * observes (TCP both ways; gRPC when the stream is ready again; WebSocket not at all), so senders
   * that can wait should check {@link FrameChannel#isWritable()} before sending. Optional to handle.
   */
  default void onWritabilityChanged(FrameChannel channel, boolean writable) {}

  /**
   * The channel closed. Called exactly once per channel, after the last {@link #onFrame}, whatever
   * the reason and whichever side closed.
   *
   * @param channel the closed channel
   * @param cause null for an orderly close (a local {@link FrameChannel#close()} or {@link
   *     FrameChannel#close(int, String)} with any code, the peer closing cleanly without a code or
   *     with code 0, the connector or acceptor closing); a {@link RemoteCloseException} with the
   *     peer's code and reason when the peer closed with {@link FrameChannel#close(int, String)} and
   *     a code other than 0 on a transport that carries close codes; otherwise what ended the
   *     channel, for example a {@link FrameTooLargeException}, a reset ({@link java.io.IOException})
   *     or a transport error
   */
  void onClosed(FrameChannel channel, Throwable cause);
}
