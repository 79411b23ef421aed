package io.imlink.storage.sqlite.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns app keys and user ids — hostile input from tokens — into directory names that cannot escape
 * the data directory and cannot collide, even on case-insensitive or Windows file systems.
 *
 * <p>An id of lower-case letters, digits, {@code _}, {@code -} and {@code .} that starts with a
 * letter, digit, {@code _} or {@code -} and is not a reserved Windows device name is used as is.
 * Anything else ({@code ..}, {@code /}, NUL, upper case, other scripts…) becomes {@code ~} followed
 * by the hex of its UTF-8 bytes; {@code ~} never starts a literal name, so the two forms never
 * meet. Ids over {@value #MAX_ID_BYTES} UTF-8 bytes are refused.
 */
public final class StorePaths {
  /** The longest id accepted, in UTF-8 bytes (tokens allow 64). */
  public static final int MAX_ID_BYTES = 64;

  private static final Pattern LITERAL = Pattern.compile("[a-z0-9_-][a-z0-9._-]*");
  private static final Set<String> RESERVED = Set.of(
      "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
      "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9");

  private StorePaths() {}

  /** The directory of one user's store: {@code <data>/<app>/<user>}. */
  public static Path userDirectory(Path dataDirectory, String appKey, String userId) throws IOException {
    return dataDirectory.resolve(segment(appKey, "app key")).resolve(segment(userId, "user id"));
  }

  /** The directory name for one id. */
  static String segment(String id, String what) throws IOException {
    byte[] utf8 = id.getBytes(StandardCharsets.UTF_8);
    if (utf8.length == 0) {
      throw new IOException(what + " is empty: refused as a directory name");
    }
    if (utf8.length > MAX_ID_BYTES) {
      throw new IOException(what + " is longer than " + MAX_ID_BYTES + " UTF-8 bytes: refused as a directory name");
    }
    String base = id.contains(".") ? id.substring(0, id.indexOf('.')) : id;
    if (LITERAL.matcher(id).matches() && !RESERVED.contains(base.toLowerCase(Locale.ROOT)) && !id.endsWith(".")) {
      return id;
    }
    return "~" + HexFormat.of().formatHex(utf8);
  }
}
