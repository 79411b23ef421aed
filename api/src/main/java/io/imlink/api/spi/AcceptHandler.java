package io.imlink.api.spi;

/**
 * Told of every channel an {@link Acceptor} accepts.
 *
 * <p>Thread: called on a transport I/O thread, once per accepted channel, before any frame of that
 * channel is delivered. Must not block.
 */
@FunctionalInterface
public interface AcceptHandler {
  /**
   * @param channel the newly accepted, open channel
   * @return the handler for that channel's frames and close; never null
   */
  FrameHandler onAccepted(FrameChannel channel);
}
