package io.imlink.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.CodedOutputStream;
import io.imlink.api.ErrorCode;
import io.imlink.api.Limits;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Publish;

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
   * frame size or {@code limit}: then nothing is sent and the caller must close the link with a code (a frame that
   * cannot be written is never dropped while the session looks healthy).
   *
   * @param limit a limit of the caller's own, such as the one the peer announced: the smaller of it
   *     and the channel's applies
   * @return what {@link FrameChannel#send} returned: false if the channel is already closed
   * @throws FrameTooLargeException if the frame is larger than either limit
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

  // ---- checks of frames against the protocol's limits ---------------------------------------

  /** {@link Limits#checkMessage} for a {@code Publish} frame, whose client message id must be an id too. */
  public static int checkPublish(Publish p) {
    if (!Limits.isId(p.getClientMessageId())) {
      return ErrorCode.INVALID_PARAMETER.code();
    }
    return Limits.checkMessage(p.getToUserId(), p.getObjectName(), p.getContent());
  }

  /**
   * Whether a {@code ConnectRequest}'s client information is within the limits: app key and device
   * id are ids (the device id may be empty: the server then has no installation to tell apart), the
   * token at most {@value Limits#MAX_TOKEN_LENGTH} characters. A server refuses a request that is not with
   * 31002.
   */
  public static boolean isWellFormed(ConnectRequest r) {
    return Limits.isId(r.getAppKey()) && (r.getDeviceId().isEmpty() || Limits.isId(r.getDeviceId()))
        && r.getToken().length() <= Limits.MAX_TOKEN_LENGTH;
  }

  /**
   * The largest frame a message within the limits can need: a {@code Publish} or a one-message
   * {@code Deliver} with the longest ids, the largest content and the largest numbers. A channel
   * whose maximum frame size is below this could not carry every valid message, so the engine and
   * the server refuse such transport options ({@link #requireFrameRoom}).
   */
  public static final int MAX_MESSAGE_FRAME_BYTES = maxMessageFrameBytes();

  private static int maxMessageFrameBytes() {
    int id = CodedOutputStream.computeUInt32SizeNoTag(Limits.MAX_ID_BYTES) + Limits.MAX_ID_BYTES;
    int content = CodedOutputStream.computeUInt32SizeNoTag(Limits.MAX_CONTENT_BYTES) + Limits.MAX_CONTENT_BYTES;
    int number = 1 + CodedOutputStream.computeUInt64SizeNoTag(-1L); // tag and the longest varint
    // DeliveredMessage: seq, message id, from, object name, content, server time, order, client id.
    int delivered = number + (1 + id) * 4 + (1 + content) + number * 2;
    int deliver = DeliverPages.OVERHEAD + CodedOutputStream.computeUInt32SizeNoTag(delivered) + 1 + delivered;
    // Publish: client id, to, object name, content, client time.
    int publish = (1 + id) * 3 + (1 + content) + number;
    int publishFrame = 1 + CodedOutputStream.computeUInt32SizeNoTag(publish) + publish;
    return Math.max(deliver, publishFrame);
  }

  /**
   * Checks that a maximum frame size can carry every valid message.
   *
   * @return {@code maxFrameSize}
   * @throws IllegalArgumentException if it is below {@link #MAX_MESSAGE_FRAME_BYTES}, naming both
   */
  public static int requireFrameRoom(int maxFrameSize) {
    if (maxFrameSize < MAX_MESSAGE_FRAME_BYTES) {
      throw new IllegalArgumentException("maxFrameSize " + maxFrameSize + " is too small for the protocol: a message"
          + " of " + Limits.MAX_CONTENT_BYTES + " bytes needs frames of up to " + MAX_MESSAGE_FRAME_BYTES + " bytes (default "
          + Limits.MAX_FRAME_BYTES + ")");
    }
    return maxFrameSize;
  }
}
