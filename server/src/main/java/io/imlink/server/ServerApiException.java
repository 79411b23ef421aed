package io.imlink.server;

import java.io.IOException;

/** The server API refused a call: its HTTP status, its API code and its message. */
public final class ServerApiException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final int code;

  public ServerApiException(int httpStatus, int code, String errorMessage) {
    super("server API refused the call: HTTP " + httpStatus + ", code " + code + ": " + errorMessage);
    this.httpStatus = httpStatus;
    this.code = code;
  }

  /** The HTTP status (401 for a signature problem, 400 for a bad parameter…). */
  public int httpStatus() {
    return httpStatus;
  }

  /** The API's code (1004 signature, 1002 parameter…). */
  public int code() {
    return code;
  }
}
