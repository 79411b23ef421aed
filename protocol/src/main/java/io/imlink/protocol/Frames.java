package io.imlink.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.protocol.v1.Frame;

/**
 * Encoding and decoding of {@link Frame}s to the opaque byte frames transports carry.
 *
 * <p>Thread safety: stateless; call from any thread.
 */
public final class Frames {
  /** The protocol version defined by {@code imlink/v1/imlink.proto}: the highest this code speaks. */
  public static final int PROTOCOL_VERSION = 1;

  /** The lowest protocol version this code speaks. */
  public static final int MIN_PROTOCOL_VERSION = 1;

  /**
   * The version two sides speak: the highest both speak, or 0 if their ranges do not meet.
   *
   * @param clientMin the lowest the client speaks (0: the same as {@code clientMax})
   * @param clientMax the highest the client speaks
   */
  public static int negotiate(int clientMin, int clientMax) {
    int low = clientMin == 0 ? clientMax : clientMin;
    int chosen = Math.min(clientMax, PROTOCOL_VERSION);
    return clientMax >= low && chosen >= Math.max(low, MIN_PROTOCOL_VERSION) ? chosen : 0;
  }

  private Frames() {}

  /** The bytes of one frame. */
  public static byte[] encode(Frame frame) {
    return frame.toByteArray();
  }

  /**
   * Encodes a frame and queues it on {@code channel}, unless it is over the channel's maximum
   * frame size: then nothing is sent and the caller must close the link with a code (a frame that
   * cannot be written is never dropped while the session looks healthy).
   *
   * @return what {@link FrameChannel#send} returned: false if the channel is already closed
   * @throws FrameTooLargeException if the frame is larger than {@link FrameChannel#maxFrameSize()}
   */
  public static boolean send(FrameChannel channel, Frame frame) throws FrameTooLargeException {
    return send(channel, frame, channel.maxFrameSize());
  }

  /**
   * {@link #send(FrameChannel, Frame)} within a limit of its own too, such as the one the peer
   * announced: the smaller of it and the channel's applies.
   */
  public static boolean send(FrameChannel channel, Frame frame, int limit) throws FrameTooLargeException {
    int max = Math.min(limit, channel.maxFrameSize());
    int size = frame.getSerializedSize();
    if (size > max) {
      throw new FrameTooLargeException(size, max);
    }
    return channel.send(frame.toByteArray());
  }

  /**
   * Parses one frame.
   *
   * @throws InvalidProtocolBufferException if the bytes are not a frame
   */
  public static Frame decode(byte[] bytes) throws InvalidProtocolBufferException {
    return Frame.parseFrom(bytes);
  }
}
