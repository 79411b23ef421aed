package io.imlink.api;

/**
 * The kind of conversation a message belongs to. This version has one-to-one conversations; the
 * stable {@link #code()} leaves room for groups and channels.
 *
 * <p>Thread safety: an immutable enum.
 */
public enum ConversationType {
  /** A one-to-one conversation; its target id is the other user's id. */
  PRIVATE(1);

  private final int code;

  ConversationType(int code) {
    this.code = code;
  }

  /** The stable numeric value, as stored and sent. */
  public int code() {
    return code;
  }

  /** The constant of a stored value. */
  public static ConversationType of(int code) {
    for (ConversationType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    throw new IllegalArgumentException("unknown conversation type " + code);
  }
}
