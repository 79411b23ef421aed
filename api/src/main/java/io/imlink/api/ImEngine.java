package io.imlink.api;

import io.imlink.api.spi.EngineFactory;
import io.imlink.api.spi.ServiceProviders;
import io.imlink.api.spi.TransportOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;

/**
 * An imlink client engine: connects one user to an imlink server, keeps the connection alive and
 * reconnects by itself.
 *
 * <p>Typical use:
 *
 * <pre>{@code
 * try (ImEngine engine = ImEngine.builder("my-app-key")
 *     .server(URI.create("tcp://im.example.com:8100"))
 *     .dataDirectory(Path.of("/var/lib/myapp/im"))
 *     .build()) {
 *   engine.addConnectionStatusListener((status, reason) -> log(status, reason));
 *   engine.setOnDatabaseOpened(code -> showStoredConversations());
 *   engine.setOnConnected((code, userId) -> { if (code == 0) enterChat(userId); });
 *   int accepted = engine.connect(tokenFromMyBackend, 0);
 * }
 * }</pre>
 *
 * <p>Thread safety: every method may be called from any thread and returns without waiting for the
 * network; only {@link #close()} blocks, briefly, while the engine's threads stop. Every callback runs
 * on the engine's callback executor (by default one daemon thread per engine), in the order the
 * events happened, never on the caller's thread or an I/O thread; an exception thrown by a listener
 * is logged and contained.
 *
 * <p>The user's local store: an accepted {@link #connect} opens the store of the token's user and
 * reports it with {@link OnDatabaseOpenedListener#onDatabaseOpened}; from that callback on, {@link
 * #getHistory}, {@link #getConversations}, {@link #getTotalUnreadCount} and {@link #markRead} answer
 * from it — also offline, and after a final status such as kicked or token invalid. From the moment
 * {@link #disconnect()} or {@link #close()} returns there is no user's store: those four methods
 * throw {@link IllegalStateException} ("no user's store is open: …", never naming a file), whatever
 * the engine's threads are still doing, until the next connect's {@code onDatabaseOpened}. That is
 * the state in which {@link #sendMessage} answers {@link ErrorCode#CLIENT_NOT_INIT 33001}; the same
 * exception comes before the first connect, and between an accepted connect and its {@code
 * onDatabaseOpened}. Their arguments are checked first, so a bad argument fails the same way in
 * every state: a null one with a {@link NullPointerException} naming it.
 */
public interface ImEngine extends AutoCloseable {

  /**
   * Starts connecting with {@code token} and returns at once with the status of this call — never
   * the final result, which {@link OnConnectedListener#onConnected} reports exactly once for every
   * call that returned 0.
   *
   * <p>After an accepted call the user's local store opens first ({@link
   * OnDatabaseOpenedListener#onDatabaseOpened}), then the network result follows. Once connected,
   * the engine reconnects by itself after every loss, until a final reason (token invalid,
   * kicked, blocked, {@link #disconnect()}).
   *
   * @param token a token obtained by the app's backend from the server API
   * @param timeout seconds. {@code <= 0}: keep trying until connected or until connecting cannot
   *     succeed (for example an invalid token). {@code > 0}: try for at most this long; if it runs
   *     out, {@code onConnected(34006, "")} fires and no further attempt is made
   * @return 0 when accepted; {@link ErrorCode#INVALID_PARAMETER 33003} for a null or blank token;
   *     {@link ErrorCode#CONNECTION_EXIST 34001} while a connect is in progress or the engine is
   *     connected (nothing else fires); {@link ErrorCode#CLIENT_NOT_INIT 33001} after {@link
   *     #close()}
   */
  int connect(String token, int timeout);

  /**
   * Disconnects at once: cancels pending attempts, closes the connection, stops reconnecting, and
   * reports {@link ConnectionStatus#SIGN_OUT}. A connect still in progress reports {@code
   * onConnected(30001, "")}. The local store is closed: once this returns, reads throw {@link
   * IllegalStateException} and {@link #sendMessage} answers {@link ErrorCode#CLIENT_NOT_INIT 33001}
   * until the next {@link #connect} opens a store again (see the class description). Does not block;
   * the engine's thread closes the store's files shortly after.
   *
   * @return 0; {@link ErrorCode#CLIENT_NOT_INIT 33001} after {@link #close()}
   */
  int disconnect();

  /**
   * Tells the engine the network is back: if it is waiting to reconnect, it tries at once and
   * restarts its reconnect schedule from the first step. Does nothing when connected, connecting
   * right now, or idle. Does not block.
   */
  void reconnectNow();

  /** The current status. Never null. Does not block. */
  ConnectionStatus getConnectionStatus();

  /**
   * Sets the single listener told that the user's local store opened; null removes it. Set it before
   * {@link #connect}.
   */
  void setOnDatabaseOpened(OnDatabaseOpenedListener listener);

  /**
   * Sets the single listener told the result of each accepted {@link #connect}; null removes it. Set
   * it before {@link #connect}.
   */
  void setOnConnected(OnConnectedListener listener);

  // ---- messaging -------------------------------------------------------------------------------

  /**
   * Sends a one-to-one message and returns at once. The message is stored first (status SENDING,
   * in the outbox), then sent; while offline it waits and goes out, in order, on reconnect — even
   * after the app restarts. The callback follows it: stored, then sent or failed.
   *
   * <p>The limits are the protocol's ({@link Limits}):
   *
   * @param targetUserId the recipient (1 to 64 UTF-8 bytes, not blank)
   * @param objectName the content type, such as {@code RC:TxtMsg} (1 to 64 UTF-8 bytes)
   * @param content the content, a JSON string (at most 128 KB: {@link Limits#MAX_CONTENT_BYTES}, 131,072
   *     UTF-8 bytes)
   * @param callback told of the message's progress; may be null
   * @return 0 when accepted; {@link ErrorCode#INVALID_PARAMETER 33003} for a bad argument; {@link
   *     ErrorCode#MSG_SIZE_OUT_OF_LIMIT 30016} for content over 128 KB; {@link
   *     ErrorCode#CLIENT_NOT_INIT 33001} when no user's store is open (no {@code connect} yet, or
   *     after {@code disconnect}/{@code close})
   */
  int sendMessage(String targetUserId, String objectName, String content, SendMessageCallback callback);

  /**
   * The same as {@link #sendMessage(String, String, String, SendMessageCallback)}, as a future: it
   * completes with the SENT message, or exceptionally with a {@link MessageSendException} carrying
   * the code (including the codes the call form returns at once). Dependent actions run on the
   * callback executor.
   */
  java.util.concurrent.CompletableFuture<Message> sendMessage(String targetUserId, String objectName, String content);

  /**
   * Adds a listener told of every received message. Adding the same listener twice, or null, has no
   * effect.
   */
  void addMessageListener(MessageListener listener);

  /** Removes a listener added by {@link #addMessageListener}. */
  void removeMessageListener(MessageListener listener);

  /**
   * A page of a conversation's history from the local store, newest first; works offline. Blocks
   * for the read (well under a millisecond for 50 messages). May be called from any thread, any
   * number of times.
   *
   * @param type the conversation's type
   * @param targetId the other user of a private conversation
   * @param before only messages before this one (from an earlier page); null for the newest
   * @param limit at most this many, at least 1
   * @throws NullPointerException if {@code type} or {@code targetId} is null (the message names it)
   * @throws IllegalArgumentException if {@code limit < 1}
   * @throws IllegalStateException if no user's store is open: before a connect's {@code
   *     onDatabaseOpened}, and once {@link #disconnect()} or {@link #close()} returned
   * @throws java.io.UncheckedIOException if the store cannot be read
   */
  java.util.List<Message> getHistory(ConversationType type, String targetId, Message before, int limit);

  /**
   * The conversations from the local store, the most recent first, with their last message and
   * unread count. Blocks for the read. May be called from any thread, any number of times.
   *
   * @param limit at most this many, at least 1
   * @throws IllegalArgumentException if {@code limit < 1}
   * @throws IllegalStateException if no user's store is open (as {@link #getHistory})
   * @throws java.io.UncheckedIOException if the store cannot be read
   */
  java.util.List<Conversation> getConversations(int limit);

  /**
   * Marks a conversation read: its unread count drops to zero. Returns at once; the future completes
   * on the callback executor with how many were unread, or exceptionally with an {@link
   * java.io.IOException} if the store cannot be written. May be called from any thread.
   *
   * @throws NullPointerException if {@code type} or {@code targetId} is null (the message names it)
   * @throws IllegalStateException if no user's store is open (as {@link #getHistory})
   */
  java.util.concurrent.CompletableFuture<Integer> markRead(ConversationType type, String targetId);

  /**
   * The unread count over every conversation. Blocks for the read. May be called from any thread.
   *
   * @throws IllegalStateException if no user's store is open (as {@link #getHistory})
   * @throws java.io.UncheckedIOException if the store cannot be read
   */
  int getTotalUnreadCount();

  /** Adds a listener told of every status change. Adding the same listener twice, or null, has no effect. */
  void addConnectionStatusListener(ConnectionStatusListener listener);

  /** Removes a listener added by {@link #addConnectionStatusListener}; unknown ones are ignored. */
  void removeConnectionStatusListener(ConnectionStatusListener listener);

  /**
   * Adds a listener told of every step of the connection work ({@link ConnectionEventListener}).
   * Adding the same listener twice, or null, has no effect.
   */
  void addConnectionEventListener(ConnectionEventListener listener);

  /** Removes a listener added by {@link #addConnectionEventListener}; unknown ones are ignored. */
  void removeConnectionEventListener(ConnectionEventListener listener);

  /**
   * Disconnects (as {@link #disconnect()}), delivers the callbacks already due, and releases every
   * thread, socket and file the engine owns. Blocks until they are released (bounded by a few
   * seconds). Executors and schedulers supplied through the builder are not shut down. Idempotent.
   */
  @Override
  void close();

  /**
   * A builder for an engine of the given app.
   *
   * @param appKey the app key issued with the app secret (the secret never goes into a client)
   * @throws IllegalArgumentException if {@code appKey} is blank or contains whitespace (its length,
   *     at most 64 UTF-8 bytes as the protocol allows, is checked by {@link Builder#build()})
   */
  static Builder builder(String appKey) {
    return new Builder(appKey);
  }

  /**
   * Builds an {@link ImEngine}. Collects an immutable {@link EngineConfig}; {@link #build()} finds
   * the engine implementation through {@link ServiceLoader}.
   *
   * <p>Not thread-safe: use one builder from one thread. Setters validate their argument at once
   * and throw {@link IllegalArgumentException} or {@link NullPointerException} with the reason.
   */
  final class Builder {
    final String appKey;
    final List<URI> servers = new ArrayList<>();
    Path dataDirectory;
    String storage;
    Executor callbackExecutor;
    Clock clock = Clock.systemUTC();
    ScheduledExecutorService scheduler;
    RandomGenerator random;
    ReconnectPolicy reconnectPolicy = ReconnectPolicy.standard();
    TransportOptions transportOptions = TransportOptions.defaults();
    io.imlink.api.tls.ClientTls tls;
    Duration ackTimeout = Duration.ofSeconds(10);
    Duration pingInterval;
    Duration pongTimeout = Duration.ofSeconds(6);
    TokenProvider tokenProvider;
    int maxTokenRefreshes = 1;
    String deviceId;
    DeviceClass deviceClass = DeviceClass.DESKTOP;
    ClassLoader classLoader;

    Builder(String appKey) {
      this.appKey = EngineConfig.checkAppKey(appKey);
    }

    /** Connect to this server; same as {@code servers(List.of(uri))}. */
    public Builder server(URI uri) {
      Objects.requireNonNull(uri, "server URI");
      return servers(List.of(uri));
    }

    /**
     * Connect to these servers, tried in order on each attempt cycle (so that a network blocking
     * one transport can fall back to another). The URI scheme picks the transport: {@code tcp://},
     * {@code ws://}, {@code wss://}, {@code grpc://}, {@code grpcs://}.
     *
     * @throws IllegalArgumentException if the list is empty or a URI is not absolute with a scheme,
     *     host and port
     */
    public Builder servers(List<URI> uris) {
      Objects.requireNonNull(uris, "servers");
      if (uris.isEmpty()) {
        throw new IllegalArgumentException("servers must name at least one server URI");
      }
      List<URI> checked = new ArrayList<>(uris.size());
      for (URI uri : uris) {
        checked.add(EngineConfig.checkServer(uri));
      }
      servers.clear();
      servers.addAll(checked);
      return this;
    }

    /**
     * Where user stores live; each user's store goes under {@code <dir>/<appKey>/<userId>/}. Default:
     * {@code ~/.imlink}.
     */
    public Builder dataDirectory(Path directory) {
      this.dataDirectory = Objects.requireNonNull(directory, "dataDirectory");
      return this;
    }

    /**
     * Use the storage provider of this name ({@code "sqlite"}, {@code "memory"}…). Default: the
     * available provider of highest priority, or the in-memory store if there is none.
     */
    public Builder storage(String providerName) {
      Objects.requireNonNull(providerName, "storage");
      if (providerName.isBlank()) {
        throw new IllegalArgumentException("storage name must not be blank");
      }
      this.storage = providerName;
      return this;
    }

    /**
     * Where callbacks run. The engine serialises them, so even a multi-threaded executor sees them
     * one at a time and in order. Default: one daemon thread per engine, stopped by {@link
     * ImEngine#close()}; an executor given here is not shut down by the engine.
     */
    public Builder callbackExecutor(Executor executor) {
      this.callbackExecutor = Objects.requireNonNull(executor, "callbackExecutor");
      return this;
    }

    /** The clock for deadlines and timestamps. Default: {@link Clock#systemUTC()}. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * The scheduler the engine's timers run on (reconnect delays, timeouts). Its tasks are short:
     * each hands work to the engine's own thread. Default: one daemon thread per engine, stopped by
     * {@link ImEngine#close()}; a scheduler given here is not shut down by the engine. Tests give a
     * fake one to drive time without sleeping.
     */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** The source of randomness for reconnect jitter. Default: a new {@code SplittableRandom}. */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** The reconnect schedule. Default: {@link ReconnectPolicy#standard()}. */
    public Builder reconnectPolicy(ReconnectPolicy policy) {
      this.reconnectPolicy = Objects.requireNonNull(policy, "reconnectPolicy");
      return this;
    }

    /**
     * Frame size limit, per-attempt connect timeout, TLS context and transport-specific properties.
     * Default: {@link TransportOptions#defaults()}.
     */
    public Builder transportOptions(TransportOptions options) {
      this.transportOptions = Objects.requireNonNull(options, "transportOptions");
      if (options.sslContext().isPresent()) {
        this.tls = null; // the last one called wins
      }
      return this;
    }

    /**
     * How {@code tcps}, {@code wss} and {@code grpcs} servers are trusted: the CA certificates and
     * pins of {@code tls}, with host name verification always on and TLS 1.3 and 1.2 only. It
     * takes the place of any TLS context in {@link #transportOptions}, whichever is called last.
     * Default: the system trust store with the same rules ({@link
     * io.imlink.api.tls.ClientTls#systemDefault()}).
     */
    public Builder tls(io.imlink.api.tls.ClientTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * How long to wait for the server's connect acknowledgement once the transport is open; running
     * out counts as {@link ErrorCode#CONN_ACK_TIMEOUT 31000} and is retried. Default: 10 s.
     */
    public Builder ackTimeout(Duration timeout) {
      this.ackTimeout = EngineConfig.checkPositive(timeout, "ackTimeout");
      return this;
    }

    /**
     * How often to ping the server while connected. Default: the interval the server announces when
     * accepting the connection, or 30 s. A frozen link is detected within this plus {@link
     * #pongTimeout}.
     */
    public Builder pingInterval(Duration interval) {
      this.pingInterval = EngineConfig.checkPositive(interval, "pingInterval");
      return this;
    }

    /** How long a ping may wait for its pong before the connection counts as dead (30013). Default: 6 s. */
    public Builder pongTimeout(Duration timeout) {
      this.pongTimeout = EngineConfig.checkPositive(timeout, "pongTimeout");
      return this;
    }

    /**
     * Where to get a fresh token when the server refuses the current one; see {@link TokenProvider}.
     * Default: none (31004 is final).
     */
    public Builder tokenProvider(TokenProvider provider) {
      this.tokenProvider = Objects.requireNonNull(provider, "tokenProvider");
      return this;
    }

    /**
     * How many fresh tokens the engine may ask the {@link TokenProvider} for between two successful
     * connections. Default: 1.
     */
    public Builder maxTokenRefreshes(int count) {
      if (count < 0 || count > 10) {
        throw new IllegalArgumentException("maxTokenRefreshes must be 0 to 10, got " + count);
      }
      this.maxTokenRefreshes = count;
      return this;
    }

    /**
     * A stable id of this installation, sent to the server. Default: a random id per engine. At most
     * 64 UTF-8 bytes (checked by {@link #build()}, with the protocol's other limits).
     */
    public Builder deviceId(String deviceId) {
      Objects.requireNonNull(deviceId, "deviceId");
      if (deviceId.isBlank()) {
        throw new IllegalArgumentException("deviceId must not be blank");
      }
      this.deviceId = deviceId;
      return this;
    }

    /** The class of device; one session per user and class. Default: {@link DeviceClass#DESKTOP}. */
    public Builder deviceClass(DeviceClass deviceClass) {
      this.deviceClass = Objects.requireNonNull(deviceClass, "deviceClass");
      return this;
    }

    /**
     * The class loader that engine, transport and storage providers are discovered through. Default:
     * the thread's context class loader, or this class's loader if there is none.
     */
    public Builder classLoader(ClassLoader loader) {
      this.classLoader = Objects.requireNonNull(loader, "classLoader");
      return this;
    }

    /**
     * Validates the configuration, discovers the engine implementation, transports and storage
     * once, and starts the engine. Blocks while providers are loaded.
     *
     * @throws IllegalStateException with an actionable message if no server is configured, no
     *     engine implementation is on the class path ({@code io.imlink:imlink-core}), no transport
     *     serves a configured scheme, or the named storage is not found
     * @throws IllegalArgumentException if the app key or device id is over the protocol's limit (64
     *     UTF-8 bytes), or the transport options' maximum frame size cannot carry the largest message
     */
    public ImEngine build() {
      EngineConfig config = buildConfig();
      return findFactory(config.classLoader()).create(config);
    }

    /**
     * Validates and returns the immutable configuration without building an engine (for an {@link
     * EngineFactory} used directly, and for tests).
     *
     * @throws IllegalStateException if no server is configured
     */
    public EngineConfig buildConfig() {
      return new EngineConfig(this);
    }

    private static EngineFactory findFactory(ClassLoader loader) {
      List<EngineFactory> found =
          ServiceProviders.load(EngineFactory.class, loader, f -> true, EngineFactory::priority);
      if (found.isEmpty()) {
        throw new IllegalStateException(
            "no imlink engine implementation on the class path: add io.imlink:imlink-core");
      }
      return found.get(0);
    }
  }
}
