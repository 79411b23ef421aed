package io.imlink.api;

/** Whether this user sent or received a message. Thread safety: an immutable enum. */
public enum MessageDirection {
  /** Sent by this user. */
  SEND(1),
  /** Received from another user (or the app server). */
  RECEIVE(2);

  private final int code;

  MessageDirection(int code) {
    this.code = code;
  }

  /** The stable numeric value, as stored. */
  public int code() {
    return code;
  }

  /** The constant of a stored value. */
  public static MessageDirection of(int code) {
    for (MessageDirection d : values()) {
      if (d.code == code) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown message direction " + code);
  }
}
