package io.imlink.api;

import io.imlink.api.spi.TransportOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;

/**
 * The immutable configuration of an engine, made by {@link ImEngine.Builder} and handed to an
 * {@link io.imlink.api.spi.EngineFactory}. Optional parts are empty when the builder left them to
 * the engine's defaults.
 *
 * <p>Thread safety: immutable, usable from any thread (the executors and generators it references
 * are the caller's).
 */
public final class EngineConfig {
  private final String appKey;
  private final List<URI> servers;
  private final Path dataDirectory;
  private final String storage;
  private final Executor callbackExecutor;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private final RandomGenerator random;
  private final ReconnectPolicy reconnectPolicy;
  private final TransportOptions transportOptions;
  private final Duration ackTimeout;
  private final Duration pingInterval;
  private final Duration pongTimeout;
  private final TokenProvider tokenProvider;
  private final int maxTokenRefreshes;
  private final String deviceId;
  private final DeviceClass deviceClass;
  private final ClassLoader classLoader;

  EngineConfig(ImEngine.Builder b) {
    if (b.servers.isEmpty()) {
      throw new IllegalStateException(
          "no server configured: call server(URI) or servers(List<URI>) before build(),"
              + " e.g. server(URI.create(\"tcp://127.0.0.1:8100\"))");
    }
    this.appKey = b.appKey;
    this.servers = List.copyOf(b.servers);
    this.dataDirectory =
        b.dataDirectory != null
            ? b.dataDirectory
            : Path.of(System.getProperty("user.home"), ".imlink");
    this.storage = b.storage;
    this.callbackExecutor = b.callbackExecutor;
    this.clock = b.clock;
    this.scheduler = b.scheduler;
    this.random = b.random;
    this.reconnectPolicy = b.reconnectPolicy;
    this.transportOptions = b.transportOptions.sslContext().isPresent() && b.tls == null
        ? b.transportOptions
        : b.transportOptions.toBuilder()
            .tls(b.tls != null ? b.tls : io.imlink.api.tls.ClientTls.systemDefault())
            .build();
    this.ackTimeout = b.ackTimeout;
    this.pingInterval = b.pingInterval;
    this.pongTimeout = b.pongTimeout;
    this.tokenProvider = b.tokenProvider;
    this.maxTokenRefreshes = b.maxTokenRefreshes;
    this.deviceId = b.deviceId != null ? b.deviceId : UUID.randomUUID().toString();
    this.deviceClass = b.deviceClass;
    ClassLoader loader = b.classLoader;
    if (loader == null) {
      loader = Thread.currentThread().getContextClassLoader();
    }
    this.classLoader = loader != null ? loader : ImEngine.class.getClassLoader();
  }

  static String checkAppKey(String appKey) {
    Objects.requireNonNull(appKey, "appKey");
    if (appKey.isBlank()) {
      throw new IllegalArgumentException("appKey must not be blank");
    }
    if (appKey.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("appKey must not contain whitespace: '" + appKey + "'");
    }
    return appKey;
  }

  static URI checkServer(URI uri) {
    Objects.requireNonNull(uri, "server URI");
    if (!uri.isAbsolute() || uri.getHost() == null || uri.getPort() < 0) {
      throw new IllegalArgumentException(
          "server URI must be absolute with a scheme, host and port, e.g. tcp://im.example.com:8100;"
              + " got '"
              + uri
              + "'");
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals(uri.getScheme())) {
      return URI.create(scheme + uri.toString().substring(scheme.length()));
    }
    return uri;
  }

  static Duration checkPositive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
    return d;
  }

  /** The app key. */
  public String appKey() {
    return appKey;
  }

  /** The servers, in the order they are tried; never empty. */
  public List<URI> servers() {
    return servers;
  }

  /** The root directory of user stores. */
  public Path dataDirectory() {
    return dataDirectory;
  }

  /** The storage provider name asked for, or empty for the default. */
  public Optional<String> storage() {
    return Optional.ofNullable(storage);
  }

  /** The callback executor supplied, or empty for the engine's own thread. */
  public Optional<Executor> callbackExecutor() {
    return Optional.ofNullable(callbackExecutor);
  }

  /** The clock. */
  public Clock clock() {
    return clock;
  }

  /** The timer scheduler supplied, or empty for the engine's own. */
  public Optional<ScheduledExecutorService> scheduler() {
    return Optional.ofNullable(scheduler);
  }

  /** The source of randomness supplied, or empty for the engine's own. */
  public Optional<RandomGenerator> random() {
    return Optional.ofNullable(random);
  }

  /** The reconnect schedule. */
  public ReconnectPolicy reconnectPolicy() {
    return reconnectPolicy;
  }

  /** The transport options. */
  public TransportOptions transportOptions() {
    return transportOptions;
  }

  /** How long to wait for the connect acknowledgement. */
  public Duration ackTimeout() {
    return ackTimeout;
  }

  /** The ping interval set on the builder, or empty to follow the server (else 30 s). */
  public Optional<Duration> pingInterval() {
    return Optional.ofNullable(pingInterval);
  }

  /** How long a ping may wait for its pong. */
  public Duration pongTimeout() {
    return pongTimeout;
  }

  /** The token provider, if any. */
  public Optional<TokenProvider> tokenProvider() {
    return Optional.ofNullable(tokenProvider);
  }

  /** How many token refreshes are allowed per incident. */
  public int maxTokenRefreshes() {
    return maxTokenRefreshes;
  }

  /** This installation's device id. */
  public String deviceId() {
    return deviceId;
  }

  /** The class of device. */
  public DeviceClass deviceClass() {
    return deviceClass;
  }

  /** The class loader providers are discovered through. */
  public ClassLoader classLoader() {
    return classLoader;
  }

  @Override
  public String toString() {
    return "EngineConfig{appKey="
        + appKey
        + ", servers="
        + servers
        + ", dataDirectory="
        + dataDirectory
        + ", storage="
        + (storage == null ? "(default)" : storage)
        + ", deviceClass="
        + deviceClass
        + ", "
        + transportOptions
        + "}";
  }
}
