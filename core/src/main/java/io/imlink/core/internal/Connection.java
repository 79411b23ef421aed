package io.imlink.core.internal;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.EngineConfig;
import io.imlink.api.ErrorCode;
import io.imlink.api.ReconnectPolicy;
import io.imlink.api.TokenProvider;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.RemoteCloseException;
import io.imlink.protocol.Frames;
import io.imlink.protocol.InvalidTokenException;
import io.imlink.protocol.Tokens;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.Disconnect;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Ping;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection work of one engine, driven through the {@link ConnectionMachine}'s phases.
 *
 * <p>One accepted {@code connect} starts a {@link Session}: read the user id from the token, open
 * the user's store ({@code onDatabaseOpened}), then attempt cycles over the configured servers
 * until connected, a final refusal, the call's timeout, or {@code disconnect}. Exactly one {@code
 * onConnected} reports the outcome. Once connected, a lost connection is re-established by the
 * same cycles ({@code SUSPEND → CONNECTING → CONNECTED}) until a final reason. Each attempt is a
 * {@link Link}; frames of the live one are routed by the {@link FrameRouter}, which hands this
 * class the handshake's and the heartbeat's bodies.
 *
 * <p>Thread: the engine's loop, every method (asserted by the machine at every move) and every
 * timer (armed through {@link EngineLoop#schedule}).
 */
@Singleton
final class Connection implements Link.Owner {
  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private final EngineConfig config;
  private final EngineLoop loop;
  private final ConnectionMachine machine;
  private final Transports transports;
  private final UserSessions users;
  private final Admission admission;
  private final Listeners listeners;
  private final FrameRouter router;
  private final Clock clock;
  private final ReconnectPolicy reconnectPolicy;
  private final RandomGenerator random;

  private Session session;
  private long pingIds;

  /** One accepted connect call, from acceptance to its end. */
  private static final class Session {
    final long generation;
    final String userId;
    /** The token in use; replaced by a refresh. */
    String token;
    /** Token refreshes asked for since the last successful connection. */
    int refreshes;
    /** Whether onConnected has fired for this call. */
    boolean reported;
    long firstLoginTimeMs;
    /** Failed attempt cycles since the last success; drives the reconnect policy. */
    int failedCycles;
    /** The current attempt, in the phases that have one ({@link Phase#hasLink}). */
    Link link;
    ScheduledFuture<?> retryTimer;
    ScheduledFuture<?> deadlineTimer;

    Session(long generation, String token, String userId) {
      this.generation = generation;
      this.token = token;
      this.userId = userId;
    }
  }

  @Inject
  Connection(EngineConfig config, EngineLoop loop, ConnectionMachine machine, Transports transports,
      UserSessions users, Admission admission, Listeners listeners, FrameRouter router, Clock clock,
      ReconnectPolicy reconnectPolicy, RandomGenerator random) {
    this.config = config;
    this.loop = loop;
    this.machine = machine;
    this.transports = transports;
    this.users = users;
    this.admission = admission;
    this.listeners = listeners;
    this.router = router;
    this.clock = clock;
    this.reconnectPolicy = reconnectPolicy;
    this.random = random;
    router.on(Frame.BodyCase.CONNECT_ACK, (link, f) -> onConnectAck(link, f.getConnectAck()));
    router.on(Frame.BodyCase.DISCONNECT, (link, f) -> onDisconnectFrame(link, f.getDisconnect()));
    router.on(Frame.BodyCase.PONG, (link, f) -> {
      if (link.heartbeat() != null) {
        link.heartbeat().onPong(f.getPong().getId());
      }
    });
  }

  // ---- the engine's calls, on the loop ------------------------------------------------------------

  /** Connect {@code generation} was accepted: open the user's store and start connecting. */
  void begin(long generation, String token, Duration timeout) {
    loop.check();
    String userId;
    try {
      userId = Tokens.peek(token).userId();
    } catch (InvalidTokenException e) {
      log.info("connect refused locally: {}", e.getMessage());
      // Not even a token: it can never succeed, so it is final, with the code apps handle for tokens.
      Session s = new Session(generation, token, "");
      session = s;
      machine.begin();
      finish(s, ErrorCode.CONN_TOKEN_INCORRECT.code());
      return;
    }
    Session s = new Session(generation, token, userId);
    session = s;
    int opened = users.open(userId);
    // Not if a disconnect() or close() came meanwhile: its signing out closes the store.
    admission.storeOpened(generation, users.current().store);
    listeners.fireDatabaseOpened(opened);
    if (timeout != null) {
      s.deadlineTimer = loop.schedule(() -> onDeadline(s), timeout);
    }
    machine.begin();
    tryServer(s, 0);
  }

  /** reconnectNow(): in backoff, the next cycle starts at once with a fresh schedule. */
  void reconnectNow() {
    loop.check();
    Session s = session;
    if (s != null && machine.is(Phase.BACKOFF)) {
      log.info("reconnectNow: trying at once and restarting the reconnect schedule");
      s.retryTimer.cancel(false);
      s.failedCycles = 0;
      startCycle(s);
    }
  }

  /** disconnect() or close(): tell the server, stop, report SIGN_OUT; closes the store if asked. */
  void signOut(boolean closeStore) {
    loop.check();
    Session s = session;
    if (s != null) {
      Link link = s.link;
      if (link != null && link.isEstablished() && link.hasChannel()) {
        link.send(Frame.newBuilder().setDisconnect(Disconnect.newBuilder().setCode(0).setReason("sign out")).build());
      }
      stop(s);
      endSession(s);
      if (!s.reported) {
        s.reported = true;
        listeners.fireConnected(ErrorCode.CHANNEL_INVALID.code(), "");
      }
      machine.end(ConnectionStatus.SIGN_OUT, 0);
    }
    if (closeStore) {
      users.close();
    }
  }

  /** close(): signs out, closes the store and ends the machine. */
  void close() {
    signOut(false);
    users.close();
    machine.close();
  }

  // ---- attempts ----------------------------------------------------------------------------------

  @Override
  public boolean isCurrent(Link link) {
    loop.check();
    return session != null && session.link == link;
  }

  /** Starts a cycle over the configured servers, from the first. */
  private void startCycle(Session s) {
    s.retryTimer = null;
    machine.enter(Phase.CONNECTING, 0);
    tryServer(s, 0);
  }

  private void tryServer(Session s, int index) {
    URI server = config.servers().get(index);
    Link link = new Link(server, index, this, loop);
    s.link = link;
    listeners.fireEvent(l -> l.attemptStarted(server));
    CompletableFuture<FrameChannel> f;
    try {
      f = transports.connector(server).connect(server, link);
    } catch (RuntimeException e) {
      log.warn("transport for {} failed to start a connect", server, e);
      attemptFailed(link, ErrorCode.SOCKET_NOT_CONNECTED.code(), Duration.ZERO);
      return;
    }
    link.connecting(f);
    f.whenComplete((channel, error) -> loop.post(() -> onTransportResult(link, channel, error)));
  }

  private void onTransportResult(Link link, FrameChannel channel, Throwable error) {
    if (!isCurrent(link)) {
      if (channel != null) {
        channel.close();
      }
      return;
    }
    if (error != null) {
      Handshake.Failure failure = Handshake.classify(error);
      if (failure.tls()) {
        log.warn("TLS handshake with {} failed: {}", link.server, failure.cause().getMessage());
      } else {
        log.debug("connecting to {} failed: {}", link.server, failure.cause().toString());
      }
      attemptFailed(link, failure.code(), Duration.ZERO);
      return;
    }
    link.opened(channel);
    Session s = session;
    boolean reconnect = machine.everConnected();
    machine.enter(Phase.AWAITING_ACK, 0);
    link.send(Handshake.request(config, s.token, reconnect, s.firstLoginTimeMs));
    link.ackTimer(loop.schedule(() -> {
      if (isCurrent(link) && !link.isEstablished()) {
        log.debug("no ConnectAck from {} within {}", link.server, config.ackTimeout());
        attemptFailed(link, ErrorCode.CONN_ACK_TIMEOUT.code(), Duration.ZERO);
      }
    }, config.ackTimeout()));
  }

  @Override
  public void onFrame(Link link, Frame frame) {
    router.route(link, frame);
  }

  @Override
  public void failed(Link link, int code) {
    linkFailed(link, code);
  }

  private void onConnectAck(Link link, ConnectAck ack) {
    if (!machine.is(Phase.AWAITING_ACK)) {
      return; // a second ack, or one before the request: meaningless
    }
    link.cancelAckTimer();
    Session s = session;
    int code = ack.getCode();
    if (code == 0) {
      established(s, link, ack);
      return;
    }
    log.info("{} refused the connection: {} {}", link.server, ErrorCode.describe(code), ack.getReason());
    if (code == ErrorCode.CONN_PROTO_VERSION_ERROR.code()) {
      log.warn("{} speaks protocol versions {} to {}; this SDK speaks {} to {}", link.server,
          ack.getServerMinProtocolVersion(), ack.getServerMaxProtocolVersion(), Frames.MIN_PROTOCOL_VERSION,
          Frames.PROTOCOL_VERSION);
    }
    if (isTokenRefusal(code) && config.tokenProvider().isPresent() && s.refreshes < config.maxTokenRefreshes()) {
      refreshToken(s, link, code);
    } else if (isRetryable(code)) {
      attemptFailed(link, code, Duration.ofMillis(ack.getRetryAfterMs()));
    } else {
      finish(s, code);
    }
  }

  private void established(Session s, Link link, ConnectAck ack) {
    boolean first = !machine.everConnected();
    Duration pingInterval = Heartbeat.interval(config.pingInterval(), ack.getHeartbeatIntervalMs());
    link.established(ack.getMaxFrameBytes(), newHeartbeat(link, pingInterval));
    s.failedCycles = 0;
    s.refreshes = 0;
    if (first) {
      s.firstLoginTimeMs = ack.getServerTimeMs();
    }
    if (s.deadlineTimer != null) {
      s.deadlineTimer.cancel(false); // the timeout bounds the first connect only
      s.deadlineTimer = null;
    }
    log.info("connected to {} as {} (session {})", link.server, ack.getUserId(), ack.getSessionId());
    if (!s.reported) {
      s.reported = true;
      listeners.fireConnected(0, ack.getUserId().isEmpty() ? s.userId : ack.getUserId());
    }
    machine.enter(Phase.CONNECTED, 0);
    listeners.fireEvent(l -> l.connected(link.server, pingInterval));
    link.heartbeat().start();
    router.linkUp(link, ack);
  }

  private void onDisconnectFrame(Link link, Disconnect d) {
    log.info("{} ended the session: {} {}", link.server, ErrorCode.describe(d.getCode()), d.getReason());
    if (d.getCode() != 0 && !isRetryable(d.getCode())) {
      finish(session, d.getCode());
    } else {
      link.disconnectCode = d.getCode() == 0 ? ErrorCode.SOCKET_DISCONNECTED.code() : d.getCode();
      linkFailed(link, link.disconnectCode);
    }
  }

  @Override
  public void onClosed(Link link, Throwable cause) {
    if (link.disconnectCode == 0 && cause instanceof RemoteCloseException remote && remote.code() != 0) {
      // The server said why by the transport's own means, but its frame did not arrive: the same.
      onDisconnectFrame(link, Disconnect.newBuilder().setCode(remote.code()).setReason(remote.reason()).build());
      return;
    }
    int code = link.disconnectCode != 0 ? link.disconnectCode : ErrorCode.SOCKET_DISCONNECTED.code();
    log.debug("connection to {} closed ({}): {}", link.server, ErrorCode.describe(code),
        cause == null ? "orderly" : cause.toString());
    linkFailed(link, code);
  }

  // ---- heartbeat ---------------------------------------------------------------------------------

  /** The live link's heartbeat (see {@link Heartbeat}); it drops the link when it dies. */
  private Heartbeat newHeartbeat(Link link, Duration pingInterval) {
    return new Heartbeat(new Heartbeat.Target() {
      @Override
      public boolean sendPing(long id) {
        return link.send(Frame.newBuilder().setPing(Ping.newBuilder().setId(id)).build());
      }

      @Override
      public void dead(int code) {
        link.heartbeatStopped();
        linkFailed(link, code);
      }

      @Override
      public boolean isLive() {
        return isCurrent(link) && link.isEstablished();
      }

      @Override
      public String describe() {
        return link.server.toString();
      }

      @Override
      public void scheduled(Duration delay) {
        listeners.fireEvent(l -> l.heartbeatScheduled(delay));
      }

      @Override
      public void pinged(long id, Duration pongTimeout) {
        listeners.fireEvent(l -> l.pingSent(id, pongTimeout));
      }

      @Override
      public void ponged(long id) {
        listeners.fireEvent(l -> l.pongReceived(id));
      }
    }, pingInterval, config.pongTimeout(), clock, loop::schedule, () -> ++pingIds, loop::check);
  }

  // ---- token refresh -----------------------------------------------------------------------------

  private static boolean isTokenRefusal(int code) {
    return code == ErrorCode.CONN_TOKEN_INCORRECT.code() || code == ErrorCode.CONN_TOKEN_EXPIRE.code();
  }

  /** Asks the token provider for a fresh token; no attempt starts until it answers. */
  private void refreshToken(Session s, Link link, int code) {
    dropLink(s, link);
    s.refreshes++;
    machine.enter(Phase.REFRESHING_TOKEN, code);
    listeners.fireEvent(l -> l.tokenRefreshStarted(code));
    log.info("token refused ({}); asking the token provider for a fresh one ({} of {})",
        ErrorCode.describe(code), s.refreshes, config.maxTokenRefreshes());
    TokenProvider provider = config.tokenProvider().orElseThrow();
    try {
      provider.refreshToken(s.userId)
          .whenComplete((token, error) -> loop.post(() -> onTokenRefreshed(s, code, token, error)));
    } catch (RuntimeException e) {
      onTokenRefreshed(s, code, null, e);
    }
  }

  private void onTokenRefreshed(Session s, int code, String token, Throwable error) {
    if (session != s || !machine.is(Phase.REFRESHING_TOKEN)) {
      return;
    }
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

  // ---- failures, retries and the end -------------------------------------------------------------

  private static boolean isRetryable(int code) {
    return ErrorCode.find(code).map(ErrorCode::retryable).orElse(false);
  }

  /** The link failed: a drop of a live connection, or a failed handshake. */
  private void linkFailed(Link link, int code) {
    if (link.isEstablished()) {
      connectionLost(link, code);
    } else {
      attemptFailed(link, code, Duration.ZERO);
    }
  }

  /** A live connection was lost: report SUSPEND and reconnect. */
  private void connectionLost(Link link, int code) {
    Session s = session;
    dropLink(s, link);
    log.info("connection to {} lost ({}); reconnecting", link.server, ErrorCode.describe(code));
    listeners.fireEvent(l -> l.connectionLost(link.server, code));
    scheduleRetry(s, code, Duration.ZERO);
  }

  /** The attempt failed before the connection was established: the next server, or a later cycle. */
  private void attemptFailed(Link link, int code, Duration retryAfter) {
    Session s = session;
    dropLink(s, link);
    listeners.fireEvent(l -> l.attemptFailed(link.server, code));
    if (link.serverIndex + 1 < config.servers().size() && retryAfter.isZero()) {
      machine.enter(Phase.CONNECTING, 0);
      tryServer(s, link.serverIndex + 1);
      return;
    }
    scheduleRetry(s, code, retryAfter);
  }

  /** Ends {@code link}: the parts working on the live connection are told first if it was live. */
  private void dropLink(Session s, Link link) {
    if (link.isEstablished()) {
      router.linkDown(link);
    }
    link.abandon();
    if (s.link == link) {
      s.link = null;
    }
  }

  private void scheduleRetry(Session s, int code, Duration atLeast) {
    s.failedCycles++;
    Duration delay = reconnectPolicy.delayBeforeAttempt(s.failedCycles, random);
    if (delay.compareTo(atLeast) < 0) {
      delay = atLeast;
    }
    log.debug("attempt cycle failed ({}); retry #{} in {}", ErrorCode.describe(code), s.failedCycles, delay);
    machine.enter(Phase.BACKOFF, code);
    s.retryTimer = loop.schedule(() -> {
      if (session == s && machine.is(Phase.BACKOFF)) {
        startCycle(s);
      }
    }, delay);
    Duration d = delay;
    int cycles = s.failedCycles;
    listeners.fireEvent(l -> l.reconnectScheduled(d, cycles, code));
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
      listeners.fireConnected(code, "");
    }
    machine.end(ConnectionMachine.statusForFinal(code), code);
  }

  /** Stops the session's attempt and timers. */
  private void stop(Session s) {
    if (s.link != null) {
      dropLink(s, s.link);
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
    admission.sessionEnded(s.generation);
  }
}
