package io.imlink.api.spi;

import io.imlink.api.ErrorCode;
import java.io.IOException;
import java.util.Optional;

/**
 * The peer closed the channel and said why by the transport's own means: an imlink code (one of
 * {@link ErrorCode}'s values, or any other the peer chose) and a reason text. A
 * transport passes it as the cause of {@link FrameHandler#onClosed} on the receiving side when the
 * peer closed with {@link FrameChannel#close(int, String)} and a code other than 0; an orderly close
 * without a code (or with code 0) stays a null cause.
 *
 * <p>This class also holds the WebSocket mapping of imlink codes to close codes, so that every
 * WebSocket implementation, on either side, uses the same one: the imlink codes have the form
 * {@code 3A0CD} (a 3, a digit A, a 0, two digits CD) and travel as the close code {@code 4000 +
 * A*100 + CD} (31004 as 4104, 30013 as 4013); a code of any other form travels as 4000 with the
 * code leading the reason text ({@code "12345 reason"}); code 0 is the normal close 1000. The
 * reason is cut to the 123 bytes of UTF-8 a close frame has room for.
 *
 * <p>Thread safety: immutable once thrown or passed; the static methods are pure and may be called
 * from any thread, any number of times; nothing here blocks.
 */
public final class RemoteCloseException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The WebSocket close code of an orderly close (RFC 6455). */
  public static final int WEBSOCKET_NORMAL = 1000;

  /** The first WebSocket close code for private use (RFC 6455), which imlink uses. */
  public static final int WEBSOCKET_FIRST_PRIVATE = 4000;

  /** The last WebSocket close code for private use (RFC 6455). */
  public static final int WEBSOCKET_LAST_PRIVATE = 4999;

  /** The longest reason, in bytes of UTF-8, that fits a WebSocket close frame beside its code. */
  public static final int WEBSOCKET_MAX_REASON_BYTES = 123;

  private final int code;

  /**
   * @param code the imlink code the peer closed with, 0 if the transport carried none that maps back
   * @param reason the peer's reason text, becoming the message (null is taken as empty)
   */
  public RemoteCloseException(int code, String reason) {
    super(reason == null ? "" : reason);
    this.code = code;
  }

  /** The imlink code the peer closed with, or 0 if the transport carried none that maps back. */
  public int code() {
    return code;
  }

  /** The peer's reason text, as given (possibly shortened by the transport); never null. */
  public String reason() {
    return getMessage();
  }

  @Override
  public String toString() {
    return getClass().getName() + ": peer closed with " + ErrorCode.describe(code)
        + (reason().isEmpty() ? "" : ": " + reason());
  }

  /**
   * The WebSocket close code that carries {@code code}: 1000 for 0, {@code 4000 + A*100 + CD} for a
   * code of the form {@code 3A0CD} (other than 30000), and 4000 for any other code (whose value
   * {@link #toWebSocketReason} then puts in the reason).
   */
  public static int toWebSocketCode(int code) {
    if (code == 0) {
      return WEBSOCKET_NORMAL;
    }
    if (!fitsWebSocketCode(code)) {
      return WEBSOCKET_FIRST_PRIVATE;
    }
    return WEBSOCKET_FIRST_PRIVATE + (code / 1000 % 10) * 100 + code % 100;
  }

  /**
   * The close frame's reason text for {@code code} and {@code reason}: the reason itself, led by
   * the code and a space when the close code cannot carry it (see {@link #toWebSocketCode}), cut
   * to {@value #WEBSOCKET_MAX_REASON_BYTES} bytes of UTF-8 without splitting a character.
   *
   * @param reason the text; null is taken as empty
   */
  public static String toWebSocketReason(int code, String reason) {
    String text = reason == null ? "" : reason;
    if (code != 0 && !fitsWebSocketCode(code)) {
      text = text.isEmpty() ? Integer.toString(code) : code + " " + text;
    }
    return truncateUtf8(text, WEBSOCKET_MAX_REASON_BYTES);
  }

  /**
   * What a received WebSocket close code and reason say: for a code from 4000 to 4999, the
   * exception with the imlink code it carries (4000: the code leading the reason, or 0 if the
   * reason does not start with one); for any other close code, empty (1000 is an orderly close;
   * the other codes of RFC 6455 are the transport's to interpret).
   *
   * @param reason the received reason; null is taken as empty
   */
  public static Optional<RemoteCloseException> fromWebSocketCode(int wsCode, String reason) {
    if (wsCode < WEBSOCKET_FIRST_PRIVATE || wsCode > WEBSOCKET_LAST_PRIVATE) {
      return Optional.empty();
    }
    String text = reason == null ? "" : reason;
    if (wsCode != WEBSOCKET_FIRST_PRIVATE) {
      int carried = wsCode - WEBSOCKET_FIRST_PRIVATE;
      return Optional.of(new RemoteCloseException(30000 + carried / 100 * 1000 + carried % 100, text));
    }
    int space = text.indexOf(' ');
    String head = space < 0 ? text : text.substring(0, space);
    try {
      int code = Integer.parseInt(head);
      return Optional.of(new RemoteCloseException(code, space < 0 ? "" : text.substring(space + 1)));
    } catch (NumberFormatException notACode) {
      return Optional.of(new RemoteCloseException(0, text));
    }
  }

  /** Whether {@code code} has the form 3A0CD and is not 30000 (which would be the 4000 marker). */
  private static boolean fitsWebSocketCode(int code) {
    return code > 30000 && code <= 39999 && code / 100 % 10 == 0;
  }

  private static String truncateUtf8(String s, int maxBytes) {
    int bytes = 0;
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + n > maxBytes) {
        return s.substring(0, i);
      }
      bytes += n;
      i += Character.charCount(cp);
    }
    return s;
  }
}
