package io.imlink.server;

import io.imlink.api.Limits;
import io.imlink.protocol.Frames;
import io.imlink.api.ErrorCode;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.ServiceProviders;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.TransportProvider;
import io.imlink.server.internal.HttpApi;
import io.imlink.server.internal.Inbox;
import io.imlink.server.spi.InboxStore;
import io.imlink.server.internal.MessageRouter;
import io.imlink.server.internal.ServerContext;
import io.imlink.server.internal.ServerSession;
import io.imlink.server.internal.SqliteServerStore;
import io.imlink.server.spi.Cluster;
import io.imlink.server.spi.ClusterConfig;
import io.imlink.server.spi.ClusterNode;
import io.imlink.server.spi.ClusterProvider;
import io.imlink.server.spi.ConnectRateLimiter;
import io.imlink.server.spi.ServerStore;
import io.imlink.server.spi.ServerStoreConfig;
import io.imlink.server.spi.ServerStoreProvider;
import io.imlink.server.internal.ConnectionCaps;
import io.imlink.server.internal.Counters;
import io.imlink.server.internal.SessionRegistry;
import io.imlink.server.internal.TokenService;
import io.imlink.server.internal.UserKey;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference imlink server, embeddable in a JVM (tests, demos) and run standalone by the CLI.
 *
 * <pre>{@code
 * try (ImServer server = ImServer.builder()
 *     .app("my-app-key", "my-app-secret")
 *     .listen(URI.create("tcp://127.0.0.1:0"))
 *     .httpApi(new InetSocketAddress("127.0.0.1", 0))
 *     .dataDirectory(Path.of("/var/lib/imlink-server"))
 *     .build()
 *     .start()) {
 *   URI tcp = server.listenUris().get(0);   // the real port
 *   URI api = server.httpApiUri().orElseThrow();
 * }
 * }</pre>
 *
 * <p>Listeners come from the transport SPI: add the transport artifacts for the schemes listened
 * on. Tokens are HMAC-SHA256 signed with the app secret. Users, revocations, blocks, messages and
 * inboxes are kept by the {@linkplain Builder#store store} ({@link io.imlink.server.spi}): by
 * default {@code sqlite}, in {@code <dataDirectory>/server.db} and {@code messages.db}, both
 * surviving a restart (without a data directory the state lives in memory and the messages in a
 * temporary file deleted on close); {@code postgres} for servers that share one database.
 *
 * <p>Thread safety: every method may be called from any thread. {@link #start()} and {@link
 * #close()} block while sockets bind and close.
 */
public final class ImServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImServer.class);

  private final Builder config;
  private final List<Acceptor> acceptors = new ArrayList<>();
  private final List<ExecutorService> owned = new ArrayList<>();
  private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
  private ServerStore store;
  private Cluster cluster;
  private InboxStore inbox;
  private ServerContext context;
  private HttpApi httpApi;
  private boolean started;
  private boolean closed;

  private ImServer(Builder b) {
    this.config = b;
  }

  /** A builder with no apps and no listeners yet. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Opens the state, binds every listener and the HTTP API. Blocks until bound.
   *
   * @return this server, started
   * @throws IOException if the state cannot be opened or an address cannot be bound (everything
   *     already opened is closed again)
   * @throws IllegalStateException if no transport serves a listen scheme, naming the artifact to add
   */
  public synchronized ImServer start() throws IOException {
    if (started) {
      throw new IllegalStateException("server already started");
    }
    started = true;
    Map<String, TransportProvider> transports = new LinkedHashMap<>();
    for (TransportProvider p : ServiceProviders.load(
        TransportProvider.class, config.classLoader, TransportProvider::isAvailable, TransportProvider::priority)) {
      for (String scheme : p.schemes()) {
        transports.putIfAbsent(scheme.toLowerCase(Locale.ROOT), p);
      }
    }
    for (URI uri : config.listen) {
      if (!transports.containsKey(uri.getScheme())) {
        throw new IllegalStateException(ServiceProviders.noTransportFor(uri.getScheme(), transports.keySet()));
      }
    }
    try {
      SecureRandom random = new SecureRandom();
      ServerStoreProvider provider = provider(ServerStoreProvider.class, ServerStoreProvider::name, config.storeName,
          "imlink-server-store-", config.classLoader);
      store = provider.open(new ServerStoreConfig(config.dataDirectory, config.clock, random, config.storeProperties));
      log.info("server store: {}", store);
      inbox = store.inbox();
      ExecutorService sync = fixedPool(inbox.readConcurrency(), "imlink-server-sync"); // a reader each
      owned.add(sync);
      ExecutorService workers = fixedPool(Math.max(2, Runtime.getRuntime().availableProcessors()), "imlink-server-worker");
      owned.add(workers);
      ScheduledExecutorService scheduler = config.scheduler;
      if (scheduler == null) {
        ScheduledThreadPoolExecutor own = new ScheduledThreadPoolExecutor(1, daemon("imlink-server-timer"));
        own.setRemoveOnCancelPolicy(true);
        owned.add(own);
        scheduler = own;
      }
      SessionRegistry sessions = new SessionRegistry();
      ConnectionCaps caps = new ConnectionCaps(config.maxConnections, config.maxConnectionsPerAddress);
      Counters counters = new Counters(caps);
      ClusterProvider clusterProvider = provider(ClusterProvider.class, ClusterProvider::name, config.clusterName,
          "imlink-server-cluster-", config.classLoader);
      AtomicReference<MessageRouter> router = new AtomicReference<>(); // the cluster's callbacks reach it once set
      cluster = clusterProvider.join(new ClusterConfig(config.onePerDeviceClass, config.clusterProperties),
          new NodeCallbacks(sessions, router));
      log.info("cluster: {}, this node {}", cluster, cluster.nodeId());
      router.set(new MessageRouter(inbox, sessions, cluster, counters, config.clock));
      context = new ServerContext(
          new TokenService(config.apps, config.tokenLifetime, config.clock, store.state()),
          store.state(),
          sessions,
          cluster,
          counters,
          config.clock,
          scheduler,
          config.authTimeout,
          config.heartbeatInterval,
          config.idleTimeout != null ? config.idleTimeout : config.heartbeatInterval.multipliedBy(3),
          connectRateLimiter(cluster, store, config),
          caps,
          io.imlink.api.spi.WriteBudget.of(config.transportOptions),
          inbox,
          store.nonces(),
          router.get(),
          workers,
          sync,
          closing,
          random);
      long retentionMs = config.messageRetention.toMillis();
      scheduler.scheduleWithFixedDelay(() -> inbox.prune(config.clock.millis() - retentionMs),
          1, 60, TimeUnit.MINUTES);
      for (URI uri : config.listen) {
        Acceptor a = transports.get(uri.getScheme()).bind(uri, config.transportOptions, context::accept);
        acceptors.add(a);
        log.info("listening on {}", a.uri());
      }
      if (config.httpAddress != null) {
        httpApi = new HttpApi(context, config.httpAddress,
            config.tls == null ? config.httpOptions : config.httpOptions.withSslContext(config.tls.sslContext()));
        log.info("HTTP API on {}", httpApi.uri());
      }
      return this;
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * A fixed pool whose threads all start now: the server's thread count is what it will be under
   * load from the first connection on, not a number that creeps up as work first arrives.
   */
  private static ExecutorService fixedPool(int threads, String prefix) {
    ThreadPoolExecutor pool = new ThreadPoolExecutor(
        threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), daemon(prefix));
    pool.prestartAllCoreThreads();
    return pool;
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** The URIs clients connect to, with real ports, in the order configured. */
  public synchronized List<URI> listenUris() {
    checkStarted();
    return acceptors.stream().map(Acceptor::uri).toList();
  }

  /** The HTTP API's base URI (real port), if one was configured. */
  public synchronized Optional<URI> httpApiUri() {
    checkStarted();
    return Optional.ofNullable(httpApi).map(HttpApi::uri);
  }

  /** The configured apps: app key → app secret. */
  public Map<String, String> apps() {
    return Map.copyOf(config.apps);
  }

  /** Counters of connections, connect attempts and sessions. */
  public synchronized ServerStats stats() {
    checkStarted();
    return context.stats();
  }

  /**
   * Publishes a message from the app's backend, as {@code /message/private/publish.json} does: the
   * same checks, the same store, the same live delivery (with an empty client message id). Returns
   * at once; messages published one after another from one thread are stored in that order.
   *
   * @return completes once the message is stored in the recipient's inbox (on the store's thread);
   *     fails with an {@link IllegalArgumentException} naming the code (33003, 30016) if the limits
   *     refuse it, or with the store's error
   * @throws IllegalStateException if the server is not started
   */
  public CompletableFuture<Void> publish(String appKey, String fromUserId, String toUserId, String objectName,
      String content) {
    ServerContext c;
    synchronized (this) {
      checkStarted();
      c = context;
    }
    if (!config.apps.containsKey(appKey)) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("unknown app key: " + appKey));
    }
    return c.router().publish(appKey, fromUserId, List.of(toUserId), objectName, content, null)
        .handle((published, error) -> {
          Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
              ? error.getCause() : error;
          if (cause instanceof MessageRouter.Refused refused) {
            throw new IllegalArgumentException("message refused: " + ErrorCode.describe(refused.code()));
          }
          if (cause != null) {
            throw new java.util.concurrent.CompletionException(cause);
          }
          return null;
        });
  }

  /** How many authenticated sessions are live. */
  public synchronized int sessionCount() {
    checkStarted();
    return context.sessions().size();
  }

  /**
   * The highest inbox sequence number a device of a user has acknowledged (every message up to it
   * is stored on that device), or 0.
   */
  public synchronized long acknowledgedSeq(String appKey, String userId, String deviceId) throws IOException {
    checkStarted();
    return inbox.acknowledged(appKey, userId, deviceId);
  }

  /**
   * Closes the user's connections abruptly, without telling the clients why — as a network failure
   * or a server-side drop would. Clients reconnect by themselves.
   *
   * @return how many connections were closed
   */
  public synchronized int dropConnections(String appKey, String userId) {
    checkStarted();
    List<ServerSession> sessions = context.sessions().sessions(new UserKey(appKey, userId));
    for (ServerSession s : sessions) {
      s.channel().close();
    }
    return sessions.size();
  }

  private void checkStarted() {
    if (!started || context == null) {
      throw new IllegalStateException("server not started: call start() first");
    }
  }

  /**
   * Tells every client the server is going away (31003), closes every connection, the listeners, the
   * HTTP API and the state, and stops the server's threads. Blocks until done. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing.set(true); // from now on new connections are turned away (31003): clients retry elsewhere or later
    if (context != null) {
      for (ServerSession s : context.sessions().all()) {
        s.disconnect(ErrorCode.CONN_SERVER_UNAVAILABLE.code(), "server shutting down");
      }
    }
    for (Acceptor a : acceptors) {
      a.close();
    }
    if (httpApi != null) {
      httpApi.close();
    }
    for (ExecutorService e : owned) {
      e.shutdownNow();
    }
    for (ExecutorService e : owned) {
      try {
        e.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
    if (cluster != null) {
      cluster.close();
    }
    if (store != null) {
      store.close();
    }
  }

  /** The cluster's shared connect-rate limiter, else the store's, else this process's own. */
  private static ConnectRateLimiter connectRateLimiter(Cluster cluster, ServerStore store, Builder config) {
    return cluster.connectRateLimiter(config.connectsPerSecond, config.connectBurst, config.clock)
        .or(() -> store.connectRateLimiter(config.connectsPerSecond, config.connectBurst, config.clock))
        .orElseGet(() -> ConnectRateLimiter.inMemory(config.connectsPerSecond, config.connectBurst, config.clock));
  }

  /** The provider named {@code name} among the ServiceLoader's finds, or an error saying which artifact to add. */
  private static <P> P provider(Class<P> type, java.util.function.Function<P, String> nameOf, String name,
      String artifactPrefix, ClassLoader loader) {
    List<String> found = new ArrayList<>();
    for (P p : java.util.ServiceLoader.load(type, loader)) {
      if (nameOf.apply(p).equalsIgnoreCase(name)) {
        return p;
      }
      found.add(nameOf.apply(p));
    }
    String what = type == ServerStoreProvider.class ? "server store" : "cluster";
    throw new IllegalStateException("no " + what + " '" + name + "': add io.imlink:" + artifactPrefix + name
        + " (found: " + found.stream().sorted().toList() + ")");
  }

  /** What the other nodes of the cluster ask of this one. */
  private record NodeCallbacks(SessionRegistry sessions, AtomicReference<MessageRouter> router) implements ClusterNode {
    @Override
    public void deliver(String appKey, String userId, List<byte[]> messages) {
      MessageRouter r = router.get();
      if (r == null) {
        return; // still starting: the client syncs when its session begins
      }
      List<io.imlink.protocol.v1.DeliveredMessage> parsed = new ArrayList<>(messages.size());
      for (byte[] m : messages) {
        try {
          parsed.add(io.imlink.protocol.v1.DeliveredMessage.parseFrom(m));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          log.warn("a cluster delivery for {}/{} is not a DeliveredMessage; the client gets it at its next sync",
              appKey, userId, e);
          return;
        }
      }
      r.pushLocal(appKey, userId, parsed);
    }

    @Override
    public void disconnect(String sessionId, int code, String reason) {
      ServerSession s = sessions.byId(sessionId);
      if (s != null) {
        s.disconnect(code, reason);
      }
    }

    @Override
    public void disconnectUser(String appKey, String userId, int code, String reason) {
      for (ServerSession s : sessions.sessions(new io.imlink.server.internal.UserKey(appKey, userId))) {
        s.disconnect(code, reason);
      }
    }
  }

  /**
   * Configures an {@link ImServer}. Setters check their argument at once. Not thread-safe.
   */
  public static final class Builder {
    private final Map<String, String> apps = new LinkedHashMap<>();
    private final List<URI> listen = new ArrayList<>();
    private InetSocketAddress httpAddress;
    private Path dataDirectory;
    private String storeName = SqliteServerStore.NAME;
    private String clusterName = io.imlink.server.internal.LocalCluster.NAME;
    private final Map<String, String> clusterProperties = new LinkedHashMap<>();
    private final Map<String, String> storeProperties = new LinkedHashMap<>();
    private Duration tokenLifetime;
    private Clock clock = Clock.systemUTC();
    private ScheduledExecutorService scheduler;
    private Duration authTimeout = Duration.ofSeconds(10);
    private Duration heartbeatInterval = Duration.ofSeconds(30);
    private Duration idleTimeout;
    private boolean onePerDeviceClass = true;
    private int maxConnections = 10_000;
    private int maxConnectionsPerAddress = 1_000;
    private double connectsPerSecond = 500;
    private int connectBurst = 1000;
    private Duration messageRetention = Duration.ofDays(7);
    private TransportOptions transportOptions = TransportOptions.defaults();
    private io.imlink.api.tls.ServerTls tls;
    private HttpApi.Options httpOptions = HttpApi.Options.defaults();
    private ClassLoader classLoader = ImServer.class.getClassLoader();

    private Builder() {}

    /** Adds an app: its key (as clients present it) and its secret (for tokens and the API). */
    public Builder app(String appKey, String appSecret) {
      Objects.requireNonNull(appKey, "appKey");
      Objects.requireNonNull(appSecret, "appSecret");
      if (!io.imlink.api.Limits.isId(appKey) || appKey.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException("appKey must be 1 to " + io.imlink.api.Limits.MAX_ID_BYTES
            + " UTF-8 bytes without whitespace: '" + appKey + "'");
      }
      if (appSecret.length() < 8) {
        throw new IllegalArgumentException("appSecret must be at least 8 characters");
      }
      apps.put(appKey, appSecret);
      return this;
    }

    /** Listens on {@code uri} ({@code tcp://host:port}, port 0 for any free port). */
    public Builder listen(URI uri) {
      Objects.requireNonNull(uri, "listen URI");
      if (uri.getScheme() == null || uri.getHost() == null || uri.getPort() < 0) {
        throw new IllegalArgumentException("listen URI needs a scheme, host and port, e.g. tcp://127.0.0.1:8100: " + uri);
      }
      listen.add(URI.create(uri.toString().replaceFirst("^[^:]+", uri.getScheme().toLowerCase(Locale.ROOT))));
      return this;
    }

    /** Serves the signed HTTP API on this address (port 0 for any free port). Default: no API. */
    public Builder httpApi(InetSocketAddress address) {
      this.httpAddress = Objects.requireNonNull(address, "httpApi address");
      return this;
    }

    /**
     * How long the HTTP API waits for a request's line and headers (counted from the accept, or on a
     * kept-alive connection from the first byte of the next request) and then for its body, and how
     * long a kept-alive connection may wait idle for its next request. A request not in on time is
     * answered 408 (code 1002) and its connection closed; an idle connection is closed. The I/O thread
     * keeps the time: a slow client holds only its own connection. Default: 10 s, 30 s and 60 s.
     * Call once or more before {@link #build}; it does not block.
     */
    public Builder httpApiTimeouts(Duration header, Duration body, Duration idle) {
      httpOptions = new HttpApi.Options(positive(header, "header timeout"), positive(body, "body timeout"),
          positive(idle, "idle timeout"), httpOptions.maxConnections(), httpOptions.workerThreads(),
          httpOptions.workerQueue(), null);
      return this;
    }

    /**
     * How many connections the HTTP API keeps open at once (kept-alive and slow ones count); one more
     * is answered 503 (code 1000) and closed. Default: 1024. Does not block.
     */
    public Builder httpApiMaxConnections(int connections) {
      httpOptions = new HttpApi.Options(httpOptions.headerTimeout(), httpOptions.bodyTimeout(),
          httpOptions.idleTimeout(), connections, httpOptions.workerThreads(), httpOptions.workerQueue(), null);
      return this;
    }

    /**
     * The HTTP API's worker pool: {@code threads} run the endpoints (which block on the state
     * database; never on the I/O thread), and at most {@code queue} whole requests wait for one.
     * A request beyond that is answered 503 (code 1000) at once, its connection kept. Default: 4
     * threads, 256 waiting. Does not block.
     */
    public Builder httpApiWorkers(int threads, int queue) {
      httpOptions = new HttpApi.Options(httpOptions.headerTimeout(), httpOptions.bodyTimeout(),
          httpOptions.idleTimeout(), httpOptions.maxConnections(), threads, queue, null);
      return this;
    }

    /**
     * Where an embedded store keeps its files: the {@code sqlite} store's {@code server.db} and
     * {@code messages.db}. Default: none (state in memory, messages in a temporary file, both lost
     * on close).
     */
    public Builder dataDirectory(Path directory) {
      this.dataDirectory = Objects.requireNonNull(directory, "dataDirectory");
      return this;
    }

    /**
     * The storage backend, by its {@link ServerStoreProvider#name() name}: {@code sqlite}, the
     * default (embedded, one node), or {@code postgres} (add {@code
     * io.imlink:imlink-server-store-postgres}; several servers may share its database). A name no
     * provider on the class path has fails {@link ImServer#start()}, saying which artifact to add.
     */
    public Builder store(String name) {
      Objects.requireNonNull(name, "store");
      if (name.isBlank()) {
        throw new IllegalArgumentException("the store name is blank");
      }
      this.storeName = name;
      return this;
    }

    /**
     * The cluster engine, by its {@link ClusterProvider#name() name}: {@code local}, the default (this
     * server alone), or {@code hazelcast} (add {@code io.imlink:imlink-server-cluster-hazelcast}),
     * whose nodes share one {@link #store(String) store} such as {@code postgres}. A name no provider
     * on the class path has fails {@link ImServer#start()}, saying which artifact to add.
     */
    public Builder cluster(String name) {
      Objects.requireNonNull(name, "cluster");
      if (name.isBlank()) {
        throw new IllegalArgumentException("the cluster name is blank");
      }
      this.clusterName = name;
      return this;
    }

    /** A property of the cluster engine, e.g. {@code members} for {@code hazelcast}; a null value removes it. */
    public Builder clusterProperty(String key, String value) {
      Objects.requireNonNull(key, "key");
      if (value == null) {
        clusterProperties.remove(key);
      } else {
        clusterProperties.put(key, value);
      }
      return this;
    }

    /** A property of the store, e.g. {@code jdbc.url} for {@code postgres}; a null value removes it. */
    public Builder storeProperty(String key, String value) {
      Objects.requireNonNull(key, "key");
      if (value == null) {
        storeProperties.remove(key);
      } else {
        storeProperties.put(key, value);
      }
      return this;
    }

    /** Gives new tokens this lifetime; null (the default) makes them permanent. */
    public Builder tokenLifetime(Duration lifetime) {
      if (lifetime != null && (lifetime.isZero() || lifetime.isNegative())) {
        throw new IllegalArgumentException("tokenLifetime must be positive, got " + lifetime);
      }
      this.tokenLifetime = lifetime;
      return this;
    }

    /** The clock for token times, blocks and API timestamps. Default: system UTC. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The scheduler for timeouts. Default: one daemon thread, stopped on close. */
    public Builder scheduler(ScheduledExecutorService scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** How long a connection may stay without a valid ConnectRequest. Default: 10 s. */
    public Builder authTimeout(Duration timeout) {
      this.authTimeout = positive(timeout, "authTimeout");
      return this;
    }

    /** The heartbeat interval announced to clients. Default: 30 s. */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = positive(interval, "heartbeatInterval");
      return this;
    }

    /**
     * How long an authenticated session may stay silent (no frame, not even a ping) before the server
     * closes it. Default: three heartbeat intervals.
     */
    public Builder idleTimeout(Duration timeout) {
      this.idleTimeout = positive(timeout, "idleTimeout");
      return this;
    }

    /**
     * Whether a user has at most one session per device class (default true): a new login kicks the
     * older session of its class (31010), and a reconnecting device does not kick one that logged in
     * after it (it is refused with 31023). False allows any number of sessions.
     */
    public Builder oneSessionPerDeviceClass(boolean enabled) {
      this.onePerDeviceClass = enabled;
      return this;
    }

    /**
     * Connect attempts allowed per client address: {@code burst} at once, refilled at {@code
     * perSecond}. Beyond that an attempt is refused with 30015 and a retry-after hint. Default: 500
     * per second, bursts of 1000 — enough for hundreds of clients behind one address reconnecting at
     * once, while refusing floods.
     */
    public Builder connectRateLimit(double perSecond, int burst) {
      if (!(perSecond > 0) || burst < 1) {
        throw new IllegalArgumentException("connectRateLimit needs perSecond > 0 and burst >= 1");
      }
      this.connectsPerSecond = perSecond;
      this.connectBurst = burst;
      return this;
    }

    /**
     * The most transport connections the server holds open at once, authenticated or not. A
     * connection beyond it is accepted by the transport, and its {@code ConnectRequest} refused with
     * 31003 ("too many connections", docs/protocol.md §4.7); it counts while it is open. Default:
     * 10,000.
     */
    public Builder maxConnections(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxConnections must be at least 1, got " + max);
      }
      this.maxConnections = max;
      return this;
    }

    /**
     * The most transport connections one client address may hold open at once; beyond it, as for
     * {@link #maxConnections}, the ConnectRequest is refused with 31003. Default: 1,000 (hundreds of
     * users behind one NAT address, or a load test on loopback).
     */
    public Builder maxConnectionsPerAddress(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxConnectionsPerAddress must be at least 1, got " + max);
      }
      this.maxConnectionsPerAddress = max;
      return this;
    }

    /** How long messages are kept in recipients' inboxes for syncing. Default: 7 days. */
    public Builder messageRetention(Duration retention) {
      this.messageRetention = positive(retention, "messageRetention");
      return this;
    }

    /**
     * Frame size limit and transport-specific settings of the listeners.
     *
     * @throws IllegalArgumentException if the maximum frame size could not carry a message of the
     *     largest size the protocol allows ({@link io.imlink.protocol.Frames#MAX_MESSAGE_FRAME_BYTES})
     */
    public Builder transportOptions(TransportOptions options) {
      Objects.requireNonNull(options, "transportOptions");
      io.imlink.protocol.Frames.requireFrameRoom(options.maxFrameSize());
      this.transportOptions = options;
      return this;
    }

    /**
     * The certificate every TLS listener presents ({@code tcps}, {@code wss}, {@code grpcs}) and the
     * HTTP API too, which is then served over HTTPS; reloaded when its files change ({@link
     * io.imlink.api.tls.ServerTls}). It takes the place of any TLS context in {@link
     * #transportOptions}. Default: none, and a secure listener is refused at {@link #start}.
     */
    public Builder tls(io.imlink.api.tls.ServerTls tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /** Where transports are discovered. Default: this class's loader. */
    public Builder classLoader(ClassLoader loader) {
      this.classLoader = Objects.requireNonNull(loader, "classLoader");
      return this;
    }

    private static Duration positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
      return d;
    }

    /**
     * @throws IllegalStateException if no app is configured, or neither a listener nor the HTTP API
     */
    public ImServer build() {
      if (apps.isEmpty()) {
        throw new IllegalStateException("no app configured: call app(appKey, appSecret)");
      }
      if (listen.isEmpty() && httpAddress == null) {
        throw new IllegalStateException(
            "nothing to serve: call listen(URI), e.g. tcp://127.0.0.1:8100, and/or httpApi(address)");
      }
      Builder copy = new Builder();
      copy.apps.putAll(apps);
      copy.listen.addAll(listen);
      copy.httpAddress = httpAddress;
      copy.dataDirectory = dataDirectory;
      copy.storeName = storeName;
      copy.storeProperties.putAll(storeProperties);
      copy.clusterName = clusterName;
      copy.clusterProperties.putAll(clusterProperties);
      copy.tokenLifetime = tokenLifetime;
      copy.clock = clock;
      copy.scheduler = scheduler;
      copy.authTimeout = authTimeout;
      copy.heartbeatInterval = heartbeatInterval;
      copy.idleTimeout = idleTimeout;
      copy.onePerDeviceClass = onePerDeviceClass;
      copy.maxConnections = maxConnections;
      copy.maxConnectionsPerAddress = maxConnectionsPerAddress;
      copy.connectsPerSecond = connectsPerSecond;
      copy.connectBurst = connectBurst;
      copy.messageRetention = messageRetention;
      copy.transportOptions = tls == null ? transportOptions
          : transportOptions.toBuilder().tls(tls).build();
      copy.tls = tls;
      copy.httpOptions = httpOptions;
      copy.classLoader = classLoader;
      return new ImServer(copy);
    }
  }
}
