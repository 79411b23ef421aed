package io.imlink.protocol;

/** A string that is not a well-formed imlink token, or whose signature does not verify. */
public final class InvalidTokenException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidTokenException(String message) {
    super(message);
  }
}
