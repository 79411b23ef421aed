package io.imlink.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
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
   * Parses one frame.
   *
   * @throws InvalidProtocolBufferException if the bytes are not a frame
   */
  public static Frame decode(byte[] bytes) throws InvalidProtocolBufferException {
    return Frame.parseFrom(bytes);
  }
}
