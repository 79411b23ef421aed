package io.imlink.server.spi;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.random.RandomGenerator;

/**
 * What a {@link ServerStoreProvider} opens a store with: the server's data directory (if it has
 * one), its clock and randomness, and the backend's own properties ({@code ImServer.Builder
 * .storeProperty}, e.g. {@code jdbc.url}).
 *
 * <p>Thread safety: immutable.
 */
public final class ServerStoreConfig {
  private final Path dataDirectory;
  private final Clock clock;
  private final RandomGenerator random;
  private final Map<String, String> properties;

  /**
   * @param dataDirectory where an embedded store keeps its files; null for a server without one
   *     (an embedded store then keeps its data in memory or in temporary files)
   */
  public ServerStoreConfig(Path dataDirectory, Clock clock, RandomGenerator random, Map<String, String> properties) {
    this.dataDirectory = dataDirectory;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.properties = Map.copyOf(properties);
  }

  /** The server's data directory, if it has one. */
  public Optional<Path> dataDirectory() {
    return Optional.ofNullable(dataDirectory);
  }

  /** The server's clock: message times, expiries. */
  public Clock clock() {
    return clock;
  }

  /** The server's randomness: message ids. */
  public RandomGenerator random() {
    return random;
  }

  /** A backend property. */
  public Optional<String> property(String key) {
    return Optional.ofNullable(properties.get(key));
  }

  /**
   * A backend property that must be set.
   *
   * @param what what it is, for the message, e.g. {@code "the JDBC URL of the PostgreSQL database"}
   * @throws IllegalArgumentException it is not set, naming it
   */
  public String require(String key, String what) {
    String v = properties.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("the server store needs " + what + ": set the store property '" + key + "'");
    }
    return v;
  }

  /** Every backend property. */
  public Map<String, String> properties() {
    return properties;
  }

  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    properties.forEach((k, v) -> shown.put(k, k.toLowerCase(java.util.Locale.ROOT).contains("password") ? "***" : v));
    return "ServerStoreConfig{dataDirectory=" + dataDirectory + ", properties=" + shown + "}";
  }
}
