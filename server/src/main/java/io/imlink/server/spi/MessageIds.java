package io.imlink.server.spi;

import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * The server's message ids, the same whichever store makes them: 24 hex digits, the first 12 the
 * server time in milliseconds, the rest 48 random bits. Time first keeps a unique index on them
 * appending (a random id would dirty a random index page for every message).
 *
 * <p>Thread safety: stateless; as thread-safe as the {@code random} given.
 */
public final class MessageIds {
  private MessageIds() {}

  /** A new message id for a message stored at {@code nowMillis}. */
  public static String next(long nowMillis, RandomGenerator random) {
    return HexFormat.of().toHexDigits(nowMillis).substring(4) + HexFormat.of().toHexDigits(random.nextLong()).substring(4);
  }
}
