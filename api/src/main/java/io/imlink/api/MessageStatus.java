package io.imlink.api;

/**
 * Where a message stands. A sent message goes {@code SENDING → SENT} (the server accepted it) or
 * {@code SENDING → FAILED}; a received one is {@code RECEIVED} until its conversation is marked
 * read, then {@code READ}.
 *
 * <p>Thread safety: an immutable enum.
 */
public enum MessageStatus {
  /** Stored locally, waiting for the server's acknowledgement (it is in the outbox). */
  SENDING(0),
  /** Accepted by the server: it has a server message id and time. */
  SENT(1),
  /** Could not be sent; see the message's error code. */
  FAILED(2),
  /** Received, not yet read. */
  RECEIVED(3),
  /** Received and read. */
  READ(4);

  private final int code;

  MessageStatus(int code) {
    this.code = code;
  }

  /** The stable numeric value, as stored. */
  public int code() {
    return code;
  }

  /** The constant of a stored value. */
  public static MessageStatus of(int code) {
    for (MessageStatus s : values()) {
      if (s.code == code) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown message status " + code);
  }
}
