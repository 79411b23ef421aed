package io.imlink.api;

import java.util.Objects;

/**
 * A message, as stored locally and handed to the app. Immutable; make one with {@link #builder()}
 * and derive changed copies with the {@code with…} methods.
 *
 * <p><b>Order.</b> Messages of a conversation are ordered by {@link #orderKey()}, then {@link
 * #localId()}. The order key is the server's order (its sequence for the message) once the server
 * has accepted the message; a message still being sent has {@link #UNORDERED} and sorts after
 * everything the server has ordered.
 *
 * <p><b>Identity.</b> {@link #clientMessageId()} is chosen by the sending client and lets the
 * server drop a resend; {@link #serverMessageId()} is chosen by the server and lets a receiver drop
 * a second delivery. {@link #localId()} is the local store's id (0 until stored).
 *
 * @param localId the local store's id, increasing in insertion order; 0 before it is stored
 * @param conversationType the kind of conversation
 * @param targetId the conversation's id: for {@link ConversationType#PRIVATE}, the other user
 * @param direction sent or received by this user
 * @param senderUserId who sent it
 * @param objectName the content type, such as {@code RC:TxtMsg}
 * @param content the content, a JSON string
 * @param clientMessageId the sender's id for it; may be null for messages from the app server
 * @param serverMessageId the server's id; null until the server accepted it
 * @param sentTime the server's time of acceptance, ms since the epoch; 0 until known
 * @param orderKey the server's order; {@link #UNORDERED} until the server accepted it
 * @param status where it stands
 * @param errorCode why it failed ({@link MessageStatus#FAILED}), else 0
 * @param localTime when it was stored locally, ms since the epoch
 */
public record Message(
    long localId,
    ConversationType conversationType,
    String targetId,
    MessageDirection direction,
    String senderUserId,
    String objectName,
    String content,
    String clientMessageId,
    String serverMessageId,
    long sentTime,
    long orderKey,
    MessageStatus status,
    int errorCode,
    long localTime) {

  /** The order key of a message the server has not ordered yet: after everything else. */
  public static final long UNORDERED = Long.MAX_VALUE;

  public Message {
    Objects.requireNonNull(conversationType, "conversationType");
    Objects.requireNonNull(targetId, "targetId");
    Objects.requireNonNull(direction, "direction");
    Objects.requireNonNull(senderUserId, "senderUserId");
    Objects.requireNonNull(objectName, "objectName");
    Objects.requireNonNull(content, "content");
    Objects.requireNonNull(status, "status");
  }

  /** A builder with {@link ConversationType#PRIVATE}, {@link #UNORDERED} and status SENDING. */
  public static Builder builder() {
    return new Builder();
  }

  /** This message with the given local id. */
  public Message withLocalId(long id) {
    return new Message(id, conversationType, targetId, direction, senderUserId, objectName, content,
        clientMessageId, serverMessageId, sentTime, orderKey, status, errorCode, localTime);
  }

  /** This message as accepted by the server. */
  public Message withSent(String serverId, long serverTime, long order) {
    return new Message(localId, conversationType, targetId, direction, senderUserId, objectName, content,
        clientMessageId, serverId, serverTime, order, MessageStatus.SENT, 0, localTime);
  }

  /** This message with another status and error code. */
  public Message withStatus(MessageStatus newStatus, int code) {
    return new Message(localId, conversationType, targetId, direction, senderUserId, objectName, content,
        clientMessageId, serverMessageId, sentTime, orderKey, newStatus, code, localTime);
  }

  /** Builds {@link Message}s. Not thread-safe. */
  public static final class Builder {
    private long localId;
    private ConversationType conversationType = ConversationType.PRIVATE;
    private String targetId;
    private MessageDirection direction = MessageDirection.SEND;
    private String senderUserId;
    private String objectName;
    private String content;
    private String clientMessageId;
    private String serverMessageId;
    private long sentTime;
    private long orderKey = UNORDERED;
    private MessageStatus status = MessageStatus.SENDING;
    private int errorCode;
    private long localTime;

    private Builder() {}

    public Builder localId(long v) {
      localId = v;
      return this;
    }

    public Builder conversationType(ConversationType v) {
      conversationType = v;
      return this;
    }

    public Builder targetId(String v) {
      targetId = v;
      return this;
    }

    public Builder direction(MessageDirection v) {
      direction = v;
      return this;
    }

    public Builder senderUserId(String v) {
      senderUserId = v;
      return this;
    }

    public Builder objectName(String v) {
      objectName = v;
      return this;
    }

    public Builder content(String v) {
      content = v;
      return this;
    }

    public Builder clientMessageId(String v) {
      clientMessageId = v;
      return this;
    }

    public Builder serverMessageId(String v) {
      serverMessageId = v;
      return this;
    }

    public Builder sentTime(long v) {
      sentTime = v;
      return this;
    }

    public Builder orderKey(long v) {
      orderKey = v;
      return this;
    }

    public Builder status(MessageStatus v) {
      status = v;
      return this;
    }

    public Builder errorCode(int v) {
      errorCode = v;
      return this;
    }

    public Builder localTime(long v) {
      localTime = v;
      return this;
    }

    /**
     * @throws NullPointerException if the target, sender, object name or content is missing
     */
    public Message build() {
      return new Message(localId, conversationType, targetId, direction, senderUserId, objectName, content,
          clientMessageId, serverMessageId, sentTime, orderKey, status, errorCode, localTime);
    }
  }
}
