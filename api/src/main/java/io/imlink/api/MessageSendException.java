package io.imlink.api;

/** A message could not be sent; {@link #code()} says why (an {@link ErrorCode} value). */
public final class MessageSendException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final transient Message message;

  public MessageSendException(int code, Message message) {
    super("message not sent: " + ErrorCode.describe(code));
    this.code = code;
    this.message = message;
  }

  /** The error code. */
  public int code() {
    return code;
  }

  /** The message as stored (FAILED), or null if it was refused before it was stored. */
  public Message message() {
    return message;
  }
}
