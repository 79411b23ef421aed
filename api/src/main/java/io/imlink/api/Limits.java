package io.imlink.api;


/**
 * The wire protocol's limits ({@code docs/protocol.md} §3), and the one check of a message against
 * them. Client and server, the engine's {@code sendMessage}, the server's {@code Publish} handling
 * and its HTTP API all call {@link #checkMessage}; nothing else writes these numbers. It lives here,
 * in the JDK-only api, so that the api's own defaults (the transports' maximum frame size) and the
 * protocol module both read it.
 *
 * <p>Thread safety: constants and pure functions; call from any thread.
 */
public final class Limits {
  /** The largest message content, in UTF-8 bytes (128 KB): larger content is refused with 30016. */
  public static final int MAX_CONTENT_BYTES = 128 * 1024;

  /**
   * The largest frame either side sends or accepts, in bytes (256 KiB); also the transports' default
   * maximum frame size ({@link io.imlink.api.spi.TransportOptions#DEFAULT_MAX_FRAME_SIZE}).
   */
  public static final int MAX_FRAME_BYTES = 256 * 1024;

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
}
