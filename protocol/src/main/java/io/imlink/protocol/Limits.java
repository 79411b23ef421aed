package io.imlink.protocol;

import io.imlink.api.ErrorCode;
import io.imlink.api.spi.TransportOptions;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Deliver;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Publish;
import com.google.protobuf.CodedOutputStream;

/**
 * The protocol's limits, and the one check of a message against them. Client and server, the
 * engine's {@code sendMessage}, the server's {@code Publish} handling and its HTTP API all call
 * {@link #checkMessage}; nothing else writes these numbers.
 *
 * <p>Thread safety: constants and pure functions; call from any thread.
 */
public final class Limits {
  /** The largest message content, in UTF-8 bytes (128 KB): larger content is refused with 30016. */
  public static final int MAX_CONTENT_BYTES = 128 * 1024;

  /**
   * The largest frame either side sends or accepts, in bytes: the transports' default maximum frame
   * size ({@link TransportOptions#DEFAULT_MAX_FRAME_SIZE}, 256 KiB).
   */
  public static final int MAX_FRAME_BYTES = TransportOptions.DEFAULT_MAX_FRAME_SIZE;

  /** The most messages in one sync page ({@code Deliver} of a sync), whatever the client asks. */
  public static final int SYNC_PAGE_SIZE = 200;

  /**
   * The longest user id, app key, device id, object name or client message id, in UTF-8 bytes. Ids
   * are 1 to 64 bytes and not blank.
   */
  public static final int MAX_ID_BYTES = 64;

  /** The longest token, in characters (tokens are ASCII). */
  public static final int MAX_TOKEN_LENGTH = 256;

  private Limits() {}

  /**
   * Checks a message to send against the limits.
   *
   * @param toUserId the recipient (1 to {@value #MAX_ID_BYTES} UTF-8 bytes, not blank)
   * @param objectName the content type (1 to {@value #MAX_ID_BYTES} UTF-8 bytes, not blank)
   * @param content the content (at most {@value #MAX_CONTENT_BYTES} UTF-8 bytes)
   * @return 0 if it may be sent; {@link ErrorCode#INVALID_PARAMETER 33003} for a missing, blank or
   *     too long id or object name, or a null content; {@link ErrorCode#MSG_SIZE_OUT_OF_LIMIT 30016}
   *     for content over {@value #MAX_CONTENT_BYTES} bytes
   */
  public static int checkMessage(String toUserId, String objectName, String content) {
    if (!isId(toUserId) || !isId(objectName) || content == null) {
      return ErrorCode.INVALID_PARAMETER.code();
    }
    if (utf8Length(content) > MAX_CONTENT_BYTES) {
      return ErrorCode.MSG_SIZE_OUT_OF_LIMIT.code();
    }
    return 0;
  }

  /** {@link #checkMessage} for a {@code Publish} frame, whose client message id must be an id too. */
  public static int checkPublish(Publish p) {
    if (!isId(p.getClientMessageId())) {
      return ErrorCode.INVALID_PARAMETER.code();
    }
    return checkMessage(p.getToUserId(), p.getObjectName(), p.getContent());
  }

  /**
   * Whether a {@code ConnectRequest}'s client information is within the limits: app key and device
   * id are ids (the device id may be empty: the server then has no installation to tell apart), the
   * token at most {@value #MAX_TOKEN_LENGTH} characters. A server refuses a request that is not with
   * 31002.
   */
  public static boolean isWellFormed(ConnectRequest r) {
    return isId(r.getAppKey()) && (r.getDeviceId().isEmpty() || isId(r.getDeviceId()))
        && r.getToken().length() <= MAX_TOKEN_LENGTH;
  }

  /** Whether {@code s} is an id: 1 to {@value #MAX_ID_BYTES} UTF-8 bytes and not blank. */
  public static boolean isId(String s) {
    if (s == null || s.isBlank() || s.length() > MAX_ID_BYTES) { // every char is at least one byte
      return false;
    }
    return utf8Length(s) <= MAX_ID_BYTES;
  }

  /** The length of {@code s} in UTF-8, without encoding it (an unpaired surrogate counts as '?'). */
  public static int utf8Length(CharSequence s) {
    int n = s.length();
    long bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        continue;
      }
      if (c < 0x800) {
        bytes += 1;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 2; // four bytes for the pair's two chars
        i++;
      } else if (Character.isSurrogate(c)) {
        continue; // encoded as a single '?'
      } else {
        bytes += 2;
      }
    }
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  // ---- frames --------------------------------------------------------------------------------

  /**
   * The largest frame a message within the limits can need: a {@code Publish} or a one-message
   * {@code Deliver} with the longest ids, the largest content and the largest numbers. A channel
   * whose maximum frame size is below this could not carry every valid message, so the engine and
   * the server refuse such transport options ({@link #requireFrameRoom}).
   */
  public static final int MAX_MESSAGE_FRAME_BYTES = maxMessageFrameBytes();

  private static int maxMessageFrameBytes() {
    int id = CodedOutputStream.computeUInt32SizeNoTag(MAX_ID_BYTES) + MAX_ID_BYTES;
    int content = CodedOutputStream.computeUInt32SizeNoTag(MAX_CONTENT_BYTES) + MAX_CONTENT_BYTES;
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
          + " of " + MAX_CONTENT_BYTES + " bytes needs frames of up to " + MAX_MESSAGE_FRAME_BYTES + " bytes (default "
          + MAX_FRAME_BYTES + ")");
    }
    return maxFrameSize;
  }

  /**
   * Cutting messages into {@code Deliver} frames that fit a frame limit: every page of a sync and
   * every live push is built by {@link #cost}ing its messages against a {@link #budget}.
   */
  public static final class DeliverPages {
    /**
     * What a {@code Deliver} frame adds around its messages, at most: the frame's tag and length
     * (1 + 5), {@code left} (1 + 5) and {@code offline} (1 + 1).
     */
    static final int OVERHEAD = 1 + 5 + 1 + 5 + 1 + 1;

    private DeliverPages() {}

    /** The bytes of messages a {@code Deliver} frame of at most {@code maxFrameBytes} can hold. */
    public static int budget(int maxFrameBytes) {
      return maxFrameBytes - OVERHEAD;
    }

    /** The bytes {@code m} adds to a {@code Deliver}. */
    public static int cost(DeliveredMessage m) {
      return CodedOutputStream.computeMessageSize(Deliver.MESSAGES_FIELD_NUMBER, m);
    }

    /**
     * What is left of a page's byte budget as messages are added to it. Not thread-safe: one per page
     * being built.
     */
    public static final class Room {
      private int bytes;

      /** A page that may hold messages costing up to {@code bytes} (see {@link #budget}). */
      public Room(int bytes) {
        this.bytes = bytes;
      }

      /** Takes {@code m}'s cost from the room if it fits; false (and nothing taken) if not. */
      public boolean take(DeliveredMessage m) {
        int cost = cost(m);
        if (cost > bytes) {
          return false;
        }
        bytes -= cost;
        return true;
      }
    }

    /** The frame of a page. */
    public static Frame frame(Iterable<DeliveredMessage> messages, int left, boolean offline) {
      return Frame.newBuilder().setDeliver(Deliver.newBuilder().addAllMessages(messages).setLeft(left)
          .setOffline(offline)).build();
    }
  }
}
