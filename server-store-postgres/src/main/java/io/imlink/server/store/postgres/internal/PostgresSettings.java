package io.imlink.server.store.postgres.internal;

import io.imlink.server.spi.ServerStoreConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code postgres} store's properties, parsed and checked (see {@code
 * PostgresServerStoreProvider}). {@link #toString()} leaves the password out.
 *
 * <p>Thread safety: immutable.
 */
public record PostgresSettings(String url, Optional<String> user, Optional<String> password, int poolSize,
    Duration stateRefresh) {
  /** The JDBC URL (required). */
  public static final String URL = "jdbc.url";
  /** The database user. */
  public static final String USER = "jdbc.user";
  /** The password. */
  public static final String PASSWORD = "jdbc.password";
  /** A file holding the password (a trailing newline dropped). */
  public static final String PASSWORD_FILE = "jdbc.password-file";
  /** Connections in the pool, default 8. */
  public static final String POOL_SIZE = "pool.size";
  /** How often the state poller reads other processes' writes: ISO-8601 or milliseconds, default PT1S. */
  public static final String STATE_REFRESH = "state.refresh";

  /**
   * Reads the properties of {@code config}.
   *
   * @throws IllegalArgumentException a property is missing or malformed, naming it
   */
  public static PostgresSettings from(ServerStoreConfig config) {
    String url = config.require(URL, "the JDBC URL of the PostgreSQL database (jdbc:postgresql://host:5432/db)");
    if (!url.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("the store property '" + URL + "' must be a jdbc:postgresql: URL, not "
          + redact(url));
    }
    Optional<String> user = config.property(USER).filter(s -> !s.isBlank());
    Optional<String> password = config.property(PASSWORD);
    Optional<String> file = config.property(PASSWORD_FILE).filter(s -> !s.isBlank());
    if (password.isPresent() && file.isPresent()) {
      throw new IllegalArgumentException("set either the store property '" + PASSWORD + "' or '" + PASSWORD_FILE
          + "', not both");
    }
    if (file.isPresent()) {
      try {
        String p = Files.readString(Path.of(file.get()), StandardCharsets.UTF_8);
        if (p.endsWith("\n")) {
          p = p.substring(0, p.length() - 1);
        }
        if (p.endsWith("\r")) {
          p = p.substring(0, p.length() - 1);
        }
        password = Optional.of(p);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the store property '" + PASSWORD_FILE + "' file "
            + file.get() + ": " + e, new UncheckedIOException(e));
      }
    }
    int poolSize = 8;
    Optional<String> pool = config.property(POOL_SIZE).filter(s -> !s.isBlank());
    if (pool.isPresent()) {
      try {
        poolSize = Integer.parseInt(pool.get().trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the store property '" + POOL_SIZE + "' must be a number, not '"
            + pool.get() + "'");
      }
      if (poolSize < 1) {
        throw new IllegalArgumentException("the store property '" + POOL_SIZE + "' must be at least 1, not " + poolSize);
      }
    }
    Duration refresh = Duration.ofSeconds(1);
    Optional<String> r = config.property(STATE_REFRESH).filter(s -> !s.isBlank());
    if (r.isPresent()) {
      refresh = duration(STATE_REFRESH, r.get().trim());
    }
    return new PostgresSettings(url, user, password, poolSize, refresh);
  }

  private static Duration duration(String key, String v) {
    Duration d;
    try {
      d = v.toUpperCase(Locale.ROOT).startsWith("P") ? Duration.parse(v) : Duration.ofMillis(Long.parseLong(v));
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException("the store property '" + key
          + "' must be an ISO-8601 duration (PT1S) or milliseconds, not '" + v + "'");
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("the store property '" + key + "' must be positive, not " + v);
    }
    return d;
  }

  /** The URL with the value of any {@code password} parameter in it replaced by {@code ***}. */
  public static String redact(String url) {
    return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
  }

  @Override
  public String toString() {
    return "PostgresSettings{url=" + redact(url) + ", user=" + user.orElse("(default)") + ", password="
        + (password.isPresent() ? "***" : "(none)") + ", poolSize=" + poolSize + ", stateRefresh=" + stateRefresh + "}";
  }
}
