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
  /** The protocol version defined by {@code imlink/v1/imlink.proto}. */
  public static final int PROTOCOL_VERSION = 1;

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
    int size = frame.getSerializedSize();
    if (size > channel.maxFrameSize()) {
      throw new FrameTooLargeException(size, channel.maxFrameSize());
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
