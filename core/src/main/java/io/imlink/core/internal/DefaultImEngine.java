package io.imlink.core.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.imlink.api.ConnectionStatus;
import io.imlink.api.Conversation;
import io.imlink.api.ConversationType;
import io.imlink.api.Message;
import io.imlink.api.MessageListener;
import io.imlink.api.MessageSendException;
import io.imlink.api.SendMessageCallback;
import io.imlink.api.ConnectionStatusListener;
import io.imlink.api.EngineConfig;
import io.imlink.api.ErrorCode;
import io.imlink.api.ImEngine;
import io.imlink.api.OnConnectedListener;
import io.imlink.api.OnDatabaseOpenedListener;
import io.imlink.api.ReconnectPolicy;
import io.imlink.api.TokenProvider;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.RemoteCloseException;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.StoreLocation;
import io.imlink.api.spi.TransportProvider;
import io.imlink.core.storage.MemoryStorageProvider;
import io.imlink.protocol.Frames;
import io.imlink.api.Limits;
import io.imlink.protocol.InvalidTokenException;
import io.imlink.protocol.Tokens;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.DeviceClass;
import io.imlink.protocol.v1.Disconnect;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Ping;
import io.imlink.protocol.v1.Pong;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine. Every state change happens on the engine's loop ({@link EngineThreads#loop()}), one
 * task at a time, so the state below needs no locks; public methods only check arguments, flip the
 * accepted/closed flags under {@link #lock} and hand work to the loop. Transport events arrive on
 * I/O threads and are handed to the loop too, tagged with the attempt they belong to so that late
 * events of an abandoned attempt are ignored. Callbacks go to the serialised callback executor.
 *
 * <p>One accepted {@code connect} starts a {@link Session}: read the user id from the token, open
 * the user's store ({@code onDatabaseOpened}), then attempt cycles over the configured servers until
 * connected, a final refusal, the call's timeout, or {@code disconnect}. Exactly one {@code
 * onConnected} reports the outcome. Once connected, a lost connection is re-established by the
 * same machinery ({@code SUSPEND → CONNECTING → CONNECTED}) until a final reason.
 */
public final class DefaultImEngine implements ImEngine {
  private static final Logger log = LoggerFactory.getLogger(DefaultImEngine.class);
  private static final String SDK_VERSION = "imlink-java/0.1.0";

  private final EngineConfig config;
  private final EngineThreads threads;
  private final Transports transports;
  private final StorageProvider storage;
  private final Clock clock;
  private final ReconnectPolicy reconnectPolicy;
  private final RandomGenerator random;
  private final ScheduledExecutorService timers;

  private final CopyOnWriteArraySet<ConnectionStatusListener> statusListeners = new CopyOnWriteArraySet<>();
  private volatile OnDatabaseOpenedListener onDatabaseOpened;
  private volatile OnConnectedListener onConnected;
  private volatile ConnectionStatus status = ConnectionStatus.UNCONNECTED;

  private final Object lock = new Object();
  private boolean closed; // guarded by lock
  private boolean active; // a connect was accepted and its session has not ended; guarded by lock
  private long generation; // counts accepted connects and disconnects; guarded by lock
  /**
   * The store the app's reads use: the loop's {@link #store} once it opened for the current
   * connect; cleared at once by connect(), disconnect() and close(), before the loop gets to
   * opening or closing a store, so that a read after any of them returns never depends on the
   * loop's timing. Written under lock.
   */
  private volatile MessageStore readStore;
  /** Why there is no store for reads when no connect is in progress; guarded by lock. */
  private String noStoreReason = "call connect(token, timeout) first";

  // Loop-confined state.
  private Session session;
  private MessageStore store;
  private String storeUserId;
  private final Messenger messenger;

  @Inject
  DefaultImEngine(
      EngineConfig config,
      EngineThreads threads,
      Transports transports,
      StorageProvider storage,
      Clock clock,
      ReconnectPolicy reconnectPolicy,
      RandomGenerator random) {
    this.config = config;
    this.threads = threads;
    this.transports = transports;
    this.storage = storage;
    this.clock = clock;
    this.reconnectPolicy = reconnectPolicy;
    this.random = random;
    this.timers = threads.timers();
    this.messenger = new Messenger(threads.callbacks(), this::post, clock, random);
    log.debug("engine built: {} with storage '{}'", config, storage.name());
  }

  // ---------------------------------------------------------------------------------------------
  // Public API: argument checks and hand-off to the loop.

  @Override
  public int connect(String token, int timeout) {
    if (token == null || token.isBlank()) {
      return ErrorCode.INVALID_PARAMETER.code();
    }
    long gen;
    synchronized (lock) {
      if (closed) {
        return ErrorCode.CLIENT_NOT_INIT.code();
      }
      if (active) {
        return ErrorCode.CONNECTION_EXIST.code();
      }
      active = true;
      gen = ++generation;
      // Reads wait for this connect's store (which may be another user's): see begin().
      readStore = null;
    }
    Duration limit = timeout > 0 ? Duration.ofSeconds(timeout) : null;
    threads.loop().execute(() -> begin(gen, token.strip(), limit));
    return 0;
  }

  @Override
  public int disconnect() {
    synchronized (lock) {
      if (closed) {
        return ErrorCode.CLIENT_NOT_INIT.code();
      }
      // The engine may be connected again as soon as this returns; the loop signs out first.
      active = false;
      generation++;
      // Reads end now, not when the loop closes the store.
      readStore = null;
      noStoreReason = "disconnect() closed it; connect(token, timeout) opens it again";
    }
    threads.loop().execute(() -> signOut(true));
    return 0;
  }

  @Override
  public void reconnectNow() {
    synchronized (lock) {
      if (closed) {
        return;
      }
    }
    threads.loop().execute(() -> {
      Session s = session;
      if (s != null && s.attempt == null && s.retryTimer != null && !s.refreshing) {
        log.info("reconnectNow: trying at once and restarting the reconnect schedule");
        s.retryTimer.cancel(false);
        s.failedCycles = 0;
        startCycle(s);
      }
    });
  }

  @Override
  public ConnectionStatus getConnectionStatus() {
    return status;
  }

  @Override
  public void setOnDatabaseOpened(OnDatabaseOpenedListener listener) {
    this.onDatabaseOpened = listener;
  }

  @Override
  public void setOnConnected(OnConnectedListener listener) {
    this.onConnected = listener;
  }

  @Override
  public void addConnectionStatusListener(ConnectionStatusListener listener) {
    if (listener != null) {
      statusListeners.add(listener);
    }
  }

  @Override
  public void removeConnectionStatusListener(ConnectionStatusListener listener) {
    statusListeners.remove(listener);
  }

  // ---------------------------------------------------------------------------------------------
  // Messaging.

  @Override
  public int sendMessage(String targetUserId, String objectName, String content, SendMessageCallback callback) {
    int code = Limits.checkMessage(targetUserId, objectName, content);
    if (code != 0) {
      return code;
    }
    synchronized (lock) {
      // A connect just accepted opens the store on the loop before this send is handled there.
      if (closed || (readStore == null && !active)) {
        return ErrorCode.CLIENT_NOT_INIT.code();
      }
    }
    threads.loop().execute(() -> {
      int c = messenger.send(targetUserId, objectName, content, callback, null);
      if (c != 0 && callback != null) {
        threads.callbacks().execute(() -> callback.onFailed(null, c)); // signed out meanwhile
      }
    });
    return 0;
  }

  @Override
  public CompletableFuture<Message> sendMessage(String targetUserId, String objectName, String content) {
    CompletableFuture<Message> future = new CompletableFuture<>();
    int code = Limits.checkMessage(targetUserId, objectName, content);
    if (code == 0) {
      synchronized (lock) {
        if (closed || (readStore == null && !active)) {
          code = ErrorCode.CLIENT_NOT_INIT.code();
        }
      }
    }
    if (code != 0) {
      int c = code;
      threads.callbacks().execute(() -> future.completeExceptionally(new MessageSendException(c, null)));
      return future;
    }
    threads.loop().execute(() -> {
      int c = messenger.send(targetUserId, objectName, content, null, future);
      if (c != 0) {
        threads.callbacks().execute(() -> future.completeExceptionally(new MessageSendException(c, null)));
      }
    });
    return future;
  }

  @Override
  public void addMessageListener(MessageListener listener) {
    messenger.addListener(listener);
  }

  @Override
  public void removeMessageListener(MessageListener listener) {
    messenger.removeListener(listener);
  }

  private static void checkLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
  }

  /** The user's store for an app's read, or the "no user's store" exception of the contract. */
  private MessageStore storeForReads() {
    MessageStore s = readStore;
    if (s == null) {
      String reason;
      synchronized (lock) {
        reason = closed || !active
            ? noStoreReason
            : "the connect in progress has not opened it yet; wait for onDatabaseOpened";
      }
      throw new IllegalStateException("no user's store is open: " + reason);
    }
    return s;
  }

  @Override
  public List<Message> getHistory(ConversationType type, String targetId, Message before, int limit) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(targetId, "targetId");
    checkLimit(limit);
    try {
      return storeForReads().history(type, targetId, before, limit);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<Conversation> getConversations(int limit) {
    checkLimit(limit);
    try {
      return storeForReads().conversations(limit);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public CompletableFuture<Integer> markRead(ConversationType type, String targetId) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(targetId, "targetId");
    CompletableFuture<Integer> out = new CompletableFuture<>();
    storeForReads().markRead(type, targetId).whenComplete((n, e) -> threads.callbacks().execute(() -> {
      if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(n);
      }
    }));
    return out;
  }

  @Override
  public int getTotalUnreadCount() {
    try {
      return storeForReads().totalUnreadCount();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The transport serving {@code server}'s scheme (for diagnostics and tests). */
  public TransportProvider transportFor(URI server) {
    return transports.provider(server);
  }

  /** The name of the storage backend this engine opens stores with. */
  public String storageName() {
    return storage.name();
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      readStore = null;
      noStoreReason = "the engine is closed";
    }
    threads.loop().execute(() -> {
      signOut(false);
      closeStore();
      transports.close();
    });
    // Stops the loop once the task above has run, then the callbacks once they are delivered.
    threads.shutdown();
  }

  // ---------------------------------------------------------------------------------------------
  // Callbacks: always on the callback executor, in order, exceptions contained.

  private void fireDatabaseOpened(int code) {
    threads.callbacks().execute(() -> {
      OnDatabaseOpenedListener l = onDatabaseOpened;
      if (l != null) {
        try {
          l.onDatabaseOpened(code);
        } catch (RuntimeException e) {
          log.error("onDatabaseOpened listener threw; ignored", e);
        }
      }
    });
  }

  private void fireConnected(int code, String userId) {
    String id = userId == null ? "" : userId;
    threads.callbacks().execute(() -> {
      OnConnectedListener l = onConnected;
      if (l != null) {
        try {
          l.onConnected(code, id);
        } catch (RuntimeException e) {
          log.error("onConnected listener threw; ignored", e);
        }
      }
    });
  }

  /** Runs on the loop. Reports a change (or the same status with a new reason) to every listener. */
  private void setStatus(ConnectionStatus next, int reason) {
    if (status == next && (next == ConnectionStatus.CONNECTING || next == ConnectionStatus.CONNECTED)) {
      return;
    }
    status = next;
    log.debug("status {} ({})", next, ErrorCode.describe(reason));
    threads.callbacks().execute(() -> {
      for (ConnectionStatusListener l : statusListeners) {
        try {
          l.onConnectionStatusChanged(next, reason);
        } catch (RuntimeException e) {
          log.error("a connection status listener threw; ignored", e);
        }
      }
    });
  }

  static ConnectionStatus statusForFinal(int code) {
    return switch (ErrorCode.find(code).orElse(ErrorCode.CHANNEL_INVALID)) {
      case CONN_TOKEN_INCORRECT, CONN_TOKEN_EXPIRE -> ConnectionStatus.TOKEN_INCORRECT;
      case CONN_USER_BLOCKED -> ConnectionStatus.CONN_USER_BLOCKED;
      case DISCONN_KICK, CONN_OTHER_DEVICE_LOGIN -> ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT;
      case CONNECT_TIMEOUT -> ConnectionStatus.TIMEOUT;
      default -> ConnectionStatus.UNCONNECTED;
    };
  }

  // ---------------------------------------------------------------------------------------------
  // The session: everything below runs on the loop.

  /** One accepted connect call, from acceptance to its end. */
  private final class Session {
    final long generation;
    /** The token in use; replaced by a refresh. */
    String token;
    /** Token refreshes asked for since the last successful connection. */
    int refreshes;
    /** Waiting for the token provider: no attempt may start. */
    boolean refreshing;
    final String userId;
    /** Whether onConnected has fired for this call. */
    boolean reported;
    /** Whether a connection was ever established in this session (later ones are reconnects). */
    boolean everConnected;
    long firstLoginTimeMs;
    /** Failed attempt cycles since the last success; drives the reconnect policy. */
    int failedCycles;
    Attempt attempt;
    ScheduledFuture<?> retryTimer;
    ScheduledFuture<?> deadlineTimer;

    Session(long generation, String token, String userId) {
      this.generation = generation;
      this.token = token;
      this.userId = userId;
    }
  }

  /** One try of one server: transport connect, ConnectRequest, ConnectAck, then the live link. */
  private final class Attempt implements FrameHandler, FrameSink {
    final Session session;
    final int serverIndex;
    final URI server;
    CompletableFuture<FrameChannel> connecting;
    FrameChannel channel;
    ScheduledFuture<?> ackTimer;
    boolean established;
    /** The link's heartbeat, once established. */
    Heartbeat heartbeat;
    /** The reason the server gave in a Disconnect frame, reported when the channel closes. */
    int disconnectCode;
    /** The largest frame the server accepts, as its ConnectAck announced (until then, the protocol's). */
    int serverMaxFrame = Limits.MAX_FRAME_BYTES;

    Attempt(Session session, int serverIndex) {
      this.session = session;
      this.serverIndex = serverIndex;
      this.server = config.servers().get(serverIndex);
    }

    boolean isCurrent() {
      return DefaultImEngine.this.session == session && session.attempt == this;
    }

    // FrameHandler: called on an I/O thread; everything is handed to the loop.
    @Override
    public void onFrame(FrameChannel ch, byte[] frame) {
      post(() -> onServerFrame(this, frame));
    }

    @Override
    public void onClosed(FrameChannel ch, Throwable cause) {
      post(() -> onChannelClosed(this, cause));
    }

    void cancelTimers() {
      if (ackTimer != null) {
        ackTimer.cancel(false);
        ackTimer = null;
      }
      if (heartbeat != null) {
        heartbeat.stop();
        heartbeat = null;
      }
    }

    /** Abandons this attempt: whatever it opened is closed, and its late events are ignored. */
    /**
     * Writes a frame on this attempt's channel. One over the channel's limit closes the channel now
     * (so no later frame goes out in its place) and is reported as the link lost with 30014.
     */
    @Override
    public boolean send(Frame frame) {
      checkOnLoop();
      if (channel == null) {
        return false;
      }
      try {
        return Frames.send(channel, frame, serverMaxFrame);
      } catch (FrameTooLargeException e) {
        log.error("cannot write a {} frame to {} ({}); dropping the connection", frame.getBodyCase(), server,
            e.getMessage());
        disconnectCode = ErrorCode.MSG_SEND_FAIL.code();
        channel.close();
        return false;
      }
    }

    void abandon() {
      if (established) {
        messenger.disconnected();
      }
      cancelTimers();
      if (connecting != null) {
        connecting.cancel(false);
      }
      if (channel != null) {
        channel.close();
      }
    }
  }

  /** Throws unless the caller runs on the engine's loop, where all of the engine's state lives. */
  private void checkOnLoop() {
    if (!threads.loop().isCurrentThreadRunning()) {
      throw new IllegalStateException("not on the engine's loop: " + Thread.currentThread().getName());
    }
  }

  /** Hands work from an I/O or timer thread to the loop (dropped once the loop has stopped). */
  private void post(Runnable task) {
    threads.loop().execute(task);
  }

  private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return timers.schedule(() -> post(task), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void begin(long generation, String token, Duration timeout) {
    String userId;
    try {
      userId = Tokens.peek(token).userId();
    } catch (InvalidTokenException e) {
      log.info("connect refused locally: {}", e.getMessage());
      // Not even a token: it can never succeed, so it is final, with the code apps handle for tokens.
      Session s = new Session(generation, token, "");
      session = s;
      setStatus(ConnectionStatus.CONNECTING, 0);
      finish(s, ErrorCode.CONN_TOKEN_INCORRECT.code());
      return;
    }
    Session s = new Session(generation, token, userId);
    session = s;
    int opened = openStore(userId);
    synchronized (lock) {
      // Not if a disconnect() or close() came meanwhile: its signing out closes the store.
      if (!closed && this.generation == generation) {
        readStore = store;
      }
    }
    fireDatabaseOpened(opened);
    setStatus(ConnectionStatus.CONNECTING, 0);
    if (timeout != null) {
      s.deadlineTimer = schedule(() -> onDeadline(s), timeout);
    }
    startCycle(s);
  }

  /** Opens the user's store (reusing it if already open for the same user); returns the code to report. */
  private int openStore(String userId) {
    if (store != null && userId.equals(storeUserId)) {
      return 0;
    }
    closeStore();
    StoreLocation location = new StoreLocation(config.appKey(), userId, config.dataDirectory());
    int code;
    try {
      store = storage.open(location, threads.loop()); // writes run on the loop: no thread switch
      code = 0;
    } catch (IOException | RuntimeException e) {
      log.error("cannot open the '{}' store of user {}; using an in-memory store for this session",
          storage.name(), userId, e);
      store = new MemoryStorageProvider().open(location);
      code = ErrorCode.DATABASE_ERROR.code();
    }
    storeUserId = userId;
    messenger.open(store, userId);
    return code;
  }

  private void closeStore() {
    if (store != null) {
      synchronized (lock) {
        if (readStore == store) {
          readStore = null; // no new read starts on a store being closed
        }
      }
      messenger.closeStore();
      try {
        store.close();
      } catch (IOException | RuntimeException e) {
        log.warn("closing the store failed", e);
      }
      store = null;
      storeUserId = null;
    }
  }

  /** Starts a cycle over the configured servers, from the first. */
  private void startCycle(Session s) {
    s.retryTimer = null;
    if (s.everConnected) {
      setStatus(ConnectionStatus.CONNECTING, 0);
    }
    tryServer(s, 0);
  }

  private void tryServer(Session s, int index) {
    Attempt a = new Attempt(s, index);
    s.attempt = a;
    CompletableFuture<FrameChannel> f;
    try {
      f = transports.connector(a.server).connect(a.server, a);
    } catch (RuntimeException e) {
      log.warn("transport for {} failed to start a connect", a.server, e);
      attemptFailed(a, ErrorCode.SOCKET_NOT_CONNECTED.code());
      return;
    }
    a.connecting = f;
    f.whenComplete((channel, error) -> post(() -> onTransportResult(a, channel, error)));
  }

  private void onTransportResult(Attempt a, FrameChannel channel, Throwable error) {
    if (!a.isCurrent()) {
      if (channel != null) {
        channel.close();
      }
      return;
    }
    a.connecting = null;
    if (error != null) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      javax.net.ssl.SSLException tls = tlsFailure(cause);
      int code;
      if (tls != null) {
        log.warn("TLS handshake with {} failed: {}", a.server, tls.getMessage());
        code = ErrorCode.SOCKET_TLS_FAILED.code();
      } else {
        log.debug("connecting to {} failed: {}", a.server, cause.toString());
        code = cause instanceof UnknownHostException || cause instanceof NoRouteToHostException
            ? ErrorCode.NETWORK_UNAVAILABLE.code()
            : ErrorCode.SOCKET_NOT_CONNECTED.code();
      }
      attemptFailed(a, code);
      return;
    }
    a.channel = channel;
    Session s = a.session;
    ConnectRequest.Builder request = ConnectRequest.newBuilder()
        .setProtocolVersion(Frames.PROTOCOL_VERSION)
        .setMinProtocolVersion(Frames.MIN_PROTOCOL_VERSION)
        .setAppKey(config.appKey())
        .setToken(s.token)
        .setSdkVersion(SDK_VERSION)
        .setDeviceId(config.deviceId())
        .setDeviceClass(deviceClass())
        .setReconnect(s.everConnected)
        .setFirstLoginTimeMs(s.everConnected ? s.firstLoginTimeMs : 0);
    a.send(Frame.newBuilder().setConnectRequest(request).build());
    a.ackTimer = schedule(() -> {
      if (a.isCurrent() && !a.established) {
        log.debug("no ConnectAck from {} within {}", a.server, config.ackTimeout());
        attemptFailed(a, ErrorCode.CONN_ACK_TIMEOUT.code());
      }
    }, config.ackTimeout());
  }

  private DeviceClass deviceClass() {
    return switch (config.deviceClass()) {
      case MOBILE -> DeviceClass.DEVICE_CLASS_MOBILE;
      case DESKTOP -> DeviceClass.DEVICE_CLASS_DESKTOP;
      case WEB -> DeviceClass.DEVICE_CLASS_WEB;
    };
  }

  private void onServerFrame(Attempt a, byte[] bytes) {
    if (!a.isCurrent()) {
      return;
    }
    Frame frame;
    try {
      frame = Frames.decode(bytes);
    } catch (InvalidProtocolBufferException e) {
      log.warn("undecodable frame from {}; dropping the connection", a.server);
      linkFailed(a, ErrorCode.CHANNEL_INVALID.code());
      return;
    }
    switch (frame.getBodyCase()) {
      case CONNECT_ACK -> onConnectAck(a, frame.getConnectAck());
      case DISCONNECT -> onDisconnectFrame(a, frame.getDisconnect());
      case PONG -> onPong(a, frame.getPong());
      case PUBLISH_ACK -> {
        if (a.established) {
          messenger.onPublishAck(frame.getPublishAck());
        }
      }
      case DELIVER -> {
        if (a.established) {
          messenger.onDeliver(frame.getDeliver());
        }
      }
      default -> {
        // Bodies this version does not know are ignored (forward compatibility).
      }
    }
  }

  private void onConnectAck(Attempt a, ConnectAck ack) {
    if (a.established) {
      return; // a second ack is meaningless
    }
    a.cancelTimers();
    Session s = a.session;
    int code = ack.getCode();
    if (code == 0) {
      a.established = true;
      if (ack.getMaxFrameBytes() > 0) {
        a.serverMaxFrame = ack.getMaxFrameBytes();
      }
      s.failedCycles = 0;
      s.refreshes = 0;
      if (!s.everConnected) {
        s.everConnected = true;
        s.firstLoginTimeMs = ack.getServerTimeMs();
      }
      if (s.deadlineTimer != null) {
        s.deadlineTimer.cancel(false); // the timeout bounds the first connect only
        s.deadlineTimer = null;
      }
      log.info("connected to {} as {} (session {})", a.server, ack.getUserId(), ack.getSessionId());
      if (!s.reported) {
        s.reported = true;
        fireConnected(0, ack.getUserId().isEmpty() ? s.userId : ack.getUserId());
      }
      setStatus(ConnectionStatus.CONNECTED, 0);
      startHeartbeat(a, ack.getHeartbeatIntervalMs());
      messenger.connected(a, ack.getServerTimeMs());
      return;
    }
    log.info("{} refused the connection: {} {}", a.server, ErrorCode.describe(code), ack.getReason());
    if (code == ErrorCode.CONN_PROTO_VERSION_ERROR.code()) {
      log.warn("{} speaks protocol versions {} to {}; this SDK speaks {} to {}", a.server,
          ack.getServerMinProtocolVersion(), ack.getServerMaxProtocolVersion(), Frames.MIN_PROTOCOL_VERSION,
          Frames.PROTOCOL_VERSION);
    }
    if (isTokenRefusal(code) && config.tokenProvider().isPresent() && s.refreshes < config.maxTokenRefreshes()) {
      refreshToken(a, code);
    } else if (isRetryable(code)) {
      attemptFailed(a, code, Duration.ofMillis(ack.getRetryAfterMs()));
    } else {
      finish(s, code);
    }
  }

  private void onDisconnectFrame(Attempt a, Disconnect d) {
    log.info("{} ended the session: {} {}", a.server, ErrorCode.describe(d.getCode()), d.getReason());
    if (d.getCode() != 0 && !isRetryable(d.getCode())) {
      finish(a.session, d.getCode());
    } else {
      a.disconnectCode = d.getCode() == 0 ? ErrorCode.SOCKET_DISCONNECTED.code() : d.getCode();
      linkFailed(a, a.disconnectCode);
    }
  }

  private void onChannelClosed(Attempt a, Throwable cause) {
    if (!a.isCurrent()) {
      return;
    }
    a.channel = null;
    if (a.disconnectCode == 0 && cause instanceof RemoteCloseException remote && remote.code() != 0) {
      // The server said why by the transport's own means, but its frame did not arrive: the same.
      onDisconnectFrame(a, Disconnect.newBuilder().setCode(remote.code()).setReason(remote.reason()).build());
      return;
    }
    int code = a.disconnectCode != 0 ? a.disconnectCode : ErrorCode.SOCKET_DISCONNECTED.code();
    log.debug("connection to {} closed ({}): {}", a.server, ErrorCode.describe(code), cause == null ? "orderly" : cause.toString());
    linkFailed(a, code);
  }

  // ---- heartbeat ---------------------------------------------------------------------------------

  /** Starts the live link's heartbeat (see {@link Heartbeat}); it drops the link when it dies. */
  private void startHeartbeat(Attempt a, int announcedMs) {
    a.heartbeat = new Heartbeat(new Heartbeat.Link() {
      @Override
      public boolean sendPing(long id) {
        return a.send(Frame.newBuilder().setPing(Ping.newBuilder().setId(id)).build());
      }

      @Override
      public void dead(int code) {
        a.heartbeat = null;
        linkFailed(a, code);
      }

      @Override
      public boolean isLive() {
        return a.isCurrent() && a.established;
      }

      @Override
      public String describe() {
        return a.server.toString();
      }
    }, Heartbeat.interval(config.pingInterval(), announcedMs), config.pongTimeout(), clock, this::schedule,
        () -> ++pingIds, this::checkOnLoop);
    a.heartbeat.start();
  }

  private long pingIds;

  private void onPong(Attempt a, Pong pong) {
    if (a.heartbeat != null) {
      a.heartbeat.onPong(pong.getId());
    }
  }

  // ---- token refresh -----------------------------------------------------------------------------

  private static boolean isTokenRefusal(int code) {
    return code == ErrorCode.CONN_TOKEN_INCORRECT.code() || code == ErrorCode.CONN_TOKEN_EXPIRE.code();
  }

  /** Asks the token provider for a fresh token; the session waits (no attempt) until it answers. */
  private void refreshToken(Attempt a, int code) {
    Session s = a.session;
    a.abandon();
    s.attempt = null;
    s.refreshes++;
    s.refreshing = true;
    if (s.everConnected) {
      setStatus(ConnectionStatus.SUSPEND, code);
    }
    log.info("token refused ({}); asking the token provider for a fresh one ({} of {})",
        ErrorCode.describe(code), s.refreshes, config.maxTokenRefreshes());
    TokenProvider provider = config.tokenProvider().orElseThrow();
    try {
      provider.refreshToken(s.userId).whenComplete((token, error) -> post(() -> onTokenRefreshed(s, code, token, error)));
    } catch (RuntimeException e) {
      onTokenRefreshed(s, code, null, e);
    }
  }

  private void onTokenRefreshed(Session s, int code, String token, Throwable error) {
    if (session != s || !s.refreshing) {
      return;
    }
    s.refreshing = false;
    if (error != null || token == null || token.isBlank()) {
      log.info("the token provider gave no token ({}); giving up", error == null ? "blank" : error.toString());
      finish(s, code);
      return;
    }
    try {
      String user = Tokens.peek(token.strip()).userId();
      if (!user.equals(s.userId)) {
        log.warn("the token provider returned a token for user {} instead of {}; giving up", user, s.userId);
        finish(s, code);
        return;
      }
    } catch (InvalidTokenException e) {
      log.info("the token provider returned something that is not a token ({}); giving up", e.getMessage());
      finish(s, code);
      return;
    }
    s.token = token.strip();
    startCycle(s);
  }

  private static boolean isRetryable(int code) {
    return ErrorCode.find(code).map(ErrorCode::retryable).orElse(false);
  }

  /** The attempt's link failed: a drop of a live connection, or a failed handshake. */
  private void linkFailed(Attempt a, int code) {
    if (a.established) {
      connectionLost(a, code);
    } else {
      attemptFailed(a, code);
    }
  }

  /** A live connection was lost: report SUSPEND and reconnect. */
  private void connectionLost(Attempt a, int code) {
    Session s = a.session;
    a.abandon();
    s.attempt = null;
    log.info("connection to {} lost ({}); reconnecting", a.server, ErrorCode.describe(code));
    setStatus(ConnectionStatus.SUSPEND, code);
    scheduleRetry(s, code, Duration.ZERO);
  }

  private void attemptFailed(Attempt a, int code) {
    attemptFailed(a, code, Duration.ZERO);
  }

  /** The attempt failed before the connection was established: next server, or a later cycle. */
  private void attemptFailed(Attempt a, int code, Duration retryAfter) {
    Session s = a.session;
    a.abandon();
    s.attempt = null;
    if (a.serverIndex + 1 < config.servers().size() && retryAfter.isZero()) {
      tryServer(s, a.serverIndex + 1);
      return;
    }
    if (s.everConnected) {
      setStatus(ConnectionStatus.SUSPEND, code);
    }
    scheduleRetry(s, code, retryAfter);
  }

  private void scheduleRetry(Session s, int code, Duration atLeast) {
    s.failedCycles++;
    Duration delay = reconnectPolicy.delayBeforeAttempt(s.failedCycles, random);
    if (delay.compareTo(atLeast) < 0) {
      delay = atLeast;
    }
    log.debug("attempt cycle failed ({}); retry #{} in {}", ErrorCode.describe(code), s.failedCycles, delay);
    s.retryTimer = schedule(() -> {
      if (session == s && s.attempt == null && !s.refreshing) {
        startCycle(s);
      }
    }, delay);
  }

  /** The call's timeout ran out before a first connection: report 34006 and stop for good. */
  private void onDeadline(Session s) {
    if (session != s || s.reported) {
      return;
    }
    log.info("connect timeout ran out; giving up");
    finish(s, ErrorCode.CONNECT_TIMEOUT.code());
  }

  /** Ends the session with a final code: reports it (once), stops every attempt and timer. */
  private void finish(Session s, int code) {
    stop(s);
    // Ended before any callback is posted: a listener may call connect() again from it.
    endSession(s);
    if (!s.reported) {
      s.reported = true;
      fireConnected(code, "");
    }
    setStatus(statusForFinal(code), code);
  }

  /** Stops the session's attempt and timers. */
  private void stop(Session s) {
    s.refreshing = false;
    if (s.attempt != null) {
      s.attempt.abandon();
      s.attempt = null;
    }
    if (s.retryTimer != null) {
      s.retryTimer.cancel(false);
      s.retryTimer = null;
    }
    if (s.deadlineTimer != null) {
      s.deadlineTimer.cancel(false);
      s.deadlineTimer = null;
    }
  }

  /** Forgets the session; the engine accepts a connect again unless one was accepted meanwhile. */
  private void endSession(Session s) {
    session = null;
    synchronized (lock) {
      if (generation == s.generation) {
        active = false;
      }
    }
  }

  /** disconnect() or close(): tell the server, stop, report SIGN_OUT. */
  private void signOut(boolean closeStore) {
    Session s = session;
    if (s != null) {
      Attempt a = s.attempt;
      if (a != null && a.established && a.channel != null) {
        a.send(Frame.newBuilder().setDisconnect(Disconnect.newBuilder().setCode(0).setReason("sign out")).build());
      }
      stop(s);
      endSession(s);
      if (!s.reported) {
        s.reported = true;
        fireConnected(ErrorCode.CHANNEL_INVALID.code(), "");
      }
      setStatus(ConnectionStatus.SIGN_OUT, 0);
    } else if (status.isActive()) {
      setStatus(ConnectionStatus.SIGN_OUT, 0);
    }
    if (closeStore) {
      closeStore();
    }
  }

  /** The TLS failure among {@code cause} and its causes, or null: a failed handshake, whatever the transport wraps it in. */
  private static javax.net.ssl.SSLException tlsFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof javax.net.ssl.SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }
}
