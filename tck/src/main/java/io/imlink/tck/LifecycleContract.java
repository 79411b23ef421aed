package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.DeviceClass;
import io.imlink.api.ImEngine;
import io.imlink.api.ReconnectPolicy;
import io.imlink.api.spi.FrameChannel;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Frame;
import io.imlink.server.ImServer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connection lifecycle under faults, as a JUnit 5 suite run by every transport: dropped,
 * frozen, reset and slow links between client and server (through a {@link FaultProxy}), server
 * restarts and outages, heartbeats and paused processes, the multi-device policy, flood limits,
 * bounded token refresh. Timers run on a {@link FakeClock}: each test states the exact status
 * sequence and the fake time at which a dead link is detected. Which timer the engine waits for,
 * and when it is due, the tests learn from the engine's public {@link
 * io.imlink.api.ConnectionEventListener} steps (recorded by {@link EngineProbe}), never from its
 * internals.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class LifecycleContract extends EngineFixture {
  protected static final Duration PING = Duration.ofSeconds(30);
  protected static final Duration PONG = Duration.ofSeconds(6);

  /**
   * Forwards fake time to the heartbeat's next look at the link, as the engine announced it when it
   * armed it, then waits until the engine has armed the one after.
   */
  protected static void tick(EngineProbe probe, FakeClock time) throws InterruptedException {
    EngineProbe.Step armed = probe.lastStep("heartbeatScheduled");
    time.forward(armed.delay());
    probe.awaitStep("heartbeatScheduled", armed.index() + 1);
  }

  /** Waits for a reconnect scheduled at step {@code from} or later (the attempt before it has ended). */
  protected static EngineProbe.Step awaitRetry(EngineProbe probe, int from) throws InterruptedException {
    return probe.awaitStep("reconnectScheduled", from);
  }

  /** Forwards fake time until {@code retry}'s reconnect runs; returns the step index after it. */
  protected static int runRetry(FakeClock time, EngineProbe.Step retry) {
    time.forward(retry.delay());
    return retry.index() + 1;
  }

  /** Waits for a reconnect scheduled at step {@code from} or later and runs it; returns the step index after it. */
  protected static int runRetry(EngineProbe probe, FakeClock time, int from) throws InterruptedException {
    return runRetry(time, awaitRetry(probe, from));
  }

  private ImEngine connectedThrough(FaultProxy proxy, FakeClock time, String user, EngineProbe[] probeOut)
      throws Exception {
    ImEngine engine = build(withTime(engine(serverUriAt(proxy.address())), time).ackTimeout(Duration.ofHours(1)));
    EngineProbe probe = EngineProbe.attach(engine);
    probeOut[0] = probe;
    engine.connect(api.getToken(user), 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    probe.awaitStep("heartbeatScheduled", 0);
    return engine;
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void aDroppedConnectionIsNoticedAtOnceAndReestablished() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    FakeClock time = new FakeClock();
    EngineProbe[] p = new EngineProbe[1];
    ImEngine engine = connectedThrough(proxy, time, "drop", p);
    int mark = p[0].size();
    int steps = p[0].stepCount();
    Instant before = time.now();

    proxy.drop();
    p[0].awaitStatus(ConnectionStatus.SUSPEND, mark);
    assertThat(time.now()).as("detected without any timer").isEqualTo(before);
    runRetry(p[0], time, steps);
    p[0].awaitStatus(ConnectionStatus.CONNECTED, mark);
    assertThat(p[0].trace().subList(mark, p[0].size())).containsExactly("SUSPEND(30011)", "CONNECTING(0)", "CONNECTED(0)");
    assertThat(p[0].connectedEvents()).hasSize(1);
    assertThat(engine.getConnectionStatus()).isEqualTo(ConnectionStatus.CONNECTED);
  }

  @Test
  void aFrozenLinkIsDetectedWithinPingIntervalPlusPongTimeout() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    FakeClock time = new FakeClock();
    EngineProbe[] p = new EngineProbe[1];
    connectedThrough(proxy, time, "frozen", p);
    EngineProbe probe = p[0];
    int mark = probe.size();
    Instant frozenAt = time.now();

    proxy.freeze(); // no FIN, no RST: bytes just stop
    for (int i = 0; i < 7; i++) {
      tick(probe, time); // 5 s … 35 s: the ping goes out at 30 s into the frozen link
    }
    assertThat(probe.size()).as("still trusted at 35 s").isEqualTo(mark);
    time.forward(Duration.ofSeconds(1)); // 36 s = ping interval + pong timeout
    probe.awaitStatus(ConnectionStatus.SUSPEND, mark);
    assertThat(Duration.between(frozenAt, time.now())).isLessThanOrEqualTo(PING.plus(PONG));
    assertThat(probe.trace().get(mark)).isEqualTo("SUSPEND(30013)");

    proxy.thaw();
    runRetry(probe, time, probe.awaitStep("connectionLost", 0).index());
    probe.awaitStatus(ConnectionStatus.CONNECTED, mark);
    assertThat(probe.trace().subList(mark, probe.size())).containsExactly("SUSPEND(30013)", "CONNECTING(0)", "CONNECTED(0)");
    assertThat(probe.connectedEvents()).hasSize(1);
  }

  @Test
  void aPausedProcessChecksItsLinkAtOnceInsteadOfTrustingIt() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    FakeClock time = new FakeClock();
    JumpingClock wall = new JumpingClock(time.clock());
    ImEngine engine = build(engine(serverUriAt(proxy.address())).clock(wall).scheduler(time.scheduler()));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(api.getToken("sleeper"), 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    probe.awaitStep("heartbeatScheduled", 0);
    int mark = probe.size();
    int steps = probe.stepCount();

    proxy.freeze();
    wall.jump(Duration.ofHours(1)); // the machine slept for an hour; monotonic timers did not move
    tick(probe, time); // the first tick after waking sees the jump and pings at once
    assertThat(probe.awaitStep("pingSent", steps).delay()).as("the pong timer runs").isEqualTo(PONG);
    time.forward(PONG);
    probe.awaitStatus(ConnectionStatus.SUSPEND, mark);
    assertThat(probe.trace().get(mark)).isEqualTo("SUSPEND(30013)");
  }

  @Test
  void aResetDuringTheHandshakeIsRetriedUntilItSucceeds() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    proxy.resetOnFirstData(true); // every ConnectRequest is answered with a reset
    FakeClock time = new FakeClock();
    ImEngine engine = build(withTime(engine(serverUriAt(proxy.address())), time));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(api.getToken("handshake"), 0);
    EngineProbe.Step retry = null;
    int steps = 0;
    for (int attempt = 1; attempt <= 3; attempt++) {
      retry = awaitRetry(probe, steps); // attempt n was reset
      assertThat(proxy.acceptedCount()).isGreaterThanOrEqualTo(attempt);
      assertThat(retry.delay()).isLessThanOrEqualTo(Duration.ofSeconds(1));
      if (attempt < 3) {
        steps = runRetry(time, retry);
      }
    }
    proxy.resetOnFirstData(false);
    runRetry(time, retry);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    assertThat(probe.trace()).containsExactly("onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(0, \"handshake\")", "CONNECTED(0)");
    assertThat(proxy.acceptedCount()).isEqualTo(4);
  }

  @Test
  void aRestartedServerIsReconnectedTo() throws Exception {
    startServer();
    URI listen = serverUri();
    FakeClock time = new FakeClock();
    ImEngine engine = build(withTime(engine(listen), time));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(api.getToken("restart"), 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    int mark = probe.size();
    int steps = probe.stepCount();

    server.close(); // tells every client 31003 and closes
    probe.awaitStatus(ConnectionStatus.SUSPEND, mark);
    assertThat(probe.trace().get(mark)).isEqualTo("SUSPEND(31003)");
    ImServer again = closeLater(serverBuilder().app(APP_KEY, APP_SECRET).listen(listen).build().start());
    runRetry(probe, time, steps);
    probe.awaitStatus(ConnectionStatus.CONNECTED, mark);
    assertThat(probe.trace().subList(mark, probe.size())).containsExactly("SUSPEND(31003)", "CONNECTING(0)", "CONNECTED(0)");
    assertThat(again.stats().sessionsAccepted()).isEqualTo(1);
    assertThat(probe.connectedEvents()).hasSize(1);
  }

  @Test
  void aServerDownForAWhileIsRetriedOnTheBackoffScheduleAndReconnectedWhenBack() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    FakeClock time = new FakeClock();
    EngineProbe[] p = new EngineProbe[1];
    ImEngine engine = connectedThrough(proxy, time, "outage", p);
    EngineProbe probe = p[0];
    int mark = probe.size();

    int steps = probe.stepCount();
    proxy.refuse(true); // the server is unreachable: every attempt is reset
    proxy.drop();
    probe.awaitStatus(ConnectionStatus.SUSPEND, mark);
    int start = proxy.acceptedCount();
    Instant down = time.now();
    // Ten minutes of outage: 0.05, 0.25, 0.5, 1, 2, 4, 8, 16, 32 s, then every 64 s (with jitter).
    while (Duration.between(down, time.now()).compareTo(Duration.ofMinutes(10)) < 0) {
      int before = proxy.acceptedCount();
      steps = runRetry(probe, time, steps);
      Await.until("the attempt is made", () -> proxy.acceptedCount() > before);
    }
    int attempts = proxy.acceptedCount() - start;
    assertThat(attempts).as("attempts in 10 minutes: a backoff, not a storm").isBetween(9, 40);
    assertThat(engine.getConnectionStatus()).isIn(ConnectionStatus.SUSPEND, ConnectionStatus.CONNECTING);

    proxy.refuse(false);
    runRetry(probe, time, steps);
    probe.awaitStatus(ConnectionStatus.CONNECTED, mark);
    assertThat(probe.connectedEvents()).hasSize(1);
  }

  @Test
  void reconnectNowSkipsTheBackoffWhenTheNetworkIsBack() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    FakeClock time = new FakeClock();
    EngineProbe[] p = new EngineProbe[1];
    ImEngine engine = connectedThrough(proxy, time, "network", p);
    int mark = p[0].size();
    int steps = p[0].stepCount();
    proxy.refuse(true);
    proxy.drop();
    p[0].awaitStatus(ConnectionStatus.SUSPEND, mark);
    for (int i = 0; i < 8; i++) {
      int before = proxy.acceptedCount();
      steps = runRetry(p[0], time, steps);
      Await.until("the attempt is made", () -> proxy.acceptedCount() > before);
    }
    assertThat(awaitRetry(p[0], steps).delay()).as("well into the backoff").isPositive();
    proxy.refuse(false);
    engine.reconnectNow(); // no time passes
    p[0].awaitStatus(ConnectionStatus.CONNECTED, mark);
  }

  @Test
  void disconnectDuringAnOutageIsImmediateAndCancelsEveryPendingAttempt() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    FakeClock time = new FakeClock();
    EngineProbe[] p = new EngineProbe[1];
    ImEngine engine = connectedThrough(proxy, time, "leaving", p);
    int mark = p[0].size();
    int steps = p[0].stepCount();
    proxy.refuse(true);
    proxy.drop();
    p[0].awaitStatus(ConnectionStatus.SUSPEND, mark);
    awaitRetry(p[0], steps);
    int attempts = proxy.acceptedCount();

    assertThat(engine.disconnect()).isZero();
    p[0].awaitStatus(ConnectionStatus.SIGN_OUT, mark);
    assertThat(time.pendingTasks()).as("the pending reconnect is cancelled").isZero();
    time.forward(Duration.ofHours(1));
    assertThat(proxy.acceptedCount()).isEqualTo(attempts);
    assertThat(p[0].trace().subList(mark, p[0].size())).containsExactly("SUSPEND(30011)", "SIGN_OUT(0)");
  }

  @Test
  void aSlowLinkStillConnectsAndKeepsItsHeartbeat() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    proxy.slow(Duration.ofMillis(150));
    FakeClock time = new FakeClock();
    EngineProbe[] p = new EngineProbe[1];
    connectedThrough(proxy, time, "slow", p);
    for (int i = 0; i < 6; i++) {
      tick(p[0], time); // the ping at 30 s
    }
    EngineProbe.Step ping = p[0].awaitStep("pingSent", 0);
    assertThat(p[0].awaitStep("pongReceived", ping.index()).id()).as("the pong came back through the slow link")
        .isEqualTo(ping.id());
    for (int i = 0; i < 2; i++) {
      tick(p[0], time); // past the pong timeout: nothing happens
    }
    assertThat(p[0].statusTrace()).containsExactly("CONNECTING(0)", "CONNECTED(0)");
  }

  @Test
  void aNewerLoginOfTheSameDeviceClassKicksTheOlderSession() throws Exception {
    startServer();
    String token = api.getToken("twin");
    ImEngine phone1 = build(engine(serverUri()).deviceClass(DeviceClass.MOBILE).deviceId("phone-1"));
    ImEngine desktop = build(engine(serverUri()).deviceClass(DeviceClass.DESKTOP).deviceId("desk-1"));
    ImEngine phone2 = build(engine(serverUri()).deviceClass(DeviceClass.MOBILE).deviceId("phone-2"));
    EngineProbe p1 = EngineProbe.attach(phone1);
    EngineProbe pd = EngineProbe.attach(desktop);
    EngineProbe p2 = EngineProbe.attach(phone2);
    phone1.connect(token, 0);
    p1.awaitStatus(ConnectionStatus.CONNECTED);
    desktop.connect(token, 0);
    pd.awaitStatus(ConnectionStatus.CONNECTED);
    phone2.connect(token, 0);
    p2.awaitStatus(ConnectionStatus.CONNECTED);

    p1.awaitStatus(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);
    assertThat(p1.statusTrace()).containsExactly("CONNECTING(0)", "CONNECTED(0)", "KICKED_OFFLINE_BY_OTHER_CLIENT(31010)");
    assertThat(pd.statusTrace()).as("another class is not touched").containsExactly("CONNECTING(0)", "CONNECTED(0)");
    Await.until("two sessions remain", () -> server.sessionCount() == 2);
    long requests = server.stats().connectRequests();
    assertThat(phone1.getConnectionStatus()).isEqualTo(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);
    assertThat(server.stats().connectRequests()).as("a kicked device does not come back").isEqualTo(requests);
  }

  @Test
  void aReconnectingDeviceDoesNotKickOneThatLoggedInAfterIt() throws Exception {
    startServer();
    String token = api.getToken("trap");
    FaultProxy proxy = proxyToServer();
    FakeClock time = new FakeClock();
    ImEngine older = build(withTime(engine(serverUriAt(proxy.address())), time)
        .deviceClass(DeviceClass.MOBILE).deviceId("old-phone"));
    EngineProbe po = EngineProbe.attach(older);
    older.connect(token, 0);
    po.awaitStatus(ConnectionStatus.CONNECTED);
    po.awaitStep("heartbeatScheduled", 0);

    proxy.freeze(); // the old phone goes into a tunnel: it will not hear its kick
    Await.wallClockPast(Instant.now()); // the server's login times are in ms: the newer login is strictly later
    ImEngine newer = build(engine(serverUri()).deviceClass(DeviceClass.MOBILE).deviceId("new-phone"));
    EngineProbe pn = EngineProbe.attach(newer);
    newer.connect(token, 0);
    pn.awaitStatus(ConnectionStatus.CONNECTED);

    // The old phone notices its dead link, comes out of the tunnel and reconnects.
    for (int i = 0; i < 7; i++) {
      tick(po, time);
    }
    time.forward(Duration.ofSeconds(1));
    po.awaitStatus(ConnectionStatus.SUSPEND);
    proxy.thaw();
    runRetry(po, time, 0);
    po.awaitStatus(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);
    assertThat(po.statusTrace()).endsWith("KICKED_OFFLINE_BY_OTHER_CLIENT(31023)");
    assertThat(pn.statusTrace()).as("the newer phone stays").containsExactly("CONNECTING(0)", "CONNECTED(0)");
    assertThat(time.pendingTasks()).as("the old phone stops").isZero();
  }

  @Test
  void connectionFloodsAreRefusedWith30015AndTheRetryAfterIsHonoured() throws Exception {
    FakeClock serverTime = new FakeClock(Instant.now()); // near the real time: the API checks timestamps
    // Two attempts at once per address, then one per second; several sessions per user allowed.
    startServer(b -> b.connectRateLimit(1, 2).clock(serverTime.clock()).oneSessionPerDeviceClass(false));
    String token = api.getToken("flood");
    FakeClock time = new FakeClock();
    ImEngine[] engines = new ImEngine[3];
    EngineProbe[] probes = new EngineProbe[3];
    for (int i = 0; i < 3; i++) {
      engines[i] = build(withTime(engine(serverUri()).deviceId("device-" + i), time));
      probes[i] = EngineProbe.attach(engines[i]);
    }
    engines[0].connect(token, 0);
    probes[0].awaitStatus(ConnectionStatus.CONNECTED);
    engines[1].connect(token, 0);
    probes[1].awaitStatus(ConnectionStatus.CONNECTED);
    engines[2].connect(token, 0);
    Await.until("the third is throttled", () -> server.stats().connectsThrottled() == 1);
    assertThat(awaitRetry(probes[2], 0).delay()).as("its retry waits for the hint").isEqualTo(Duration.ofMillis(1000));
    time.forward(Duration.ofMillis(999));
    assertThat(server.stats().connectRequests()).as("nothing before the retry-after").isEqualTo(3);
    serverTime.forward(Duration.ofSeconds(1)); // the address's bucket refills
    time.forward(Duration.ofMillis(1));
    probes[2].awaitStatus(ConnectionStatus.CONNECTED);
    assertThat(probes[2].statusTrace()).containsExactly("CONNECTING(0)", "CONNECTED(0)");
    assertThat(server.stats().connectRequests()).isEqualTo(4);
  }

  @Test
  void aRevokedTokenIsRefreshedOnceThroughTheTokenProvider() throws Exception {
    startServer();
    String first = api.getToken("renew");
    AtomicInteger asked = new AtomicInteger();
    FakeClock time = new FakeClock();
    ImEngine engine = build(withTime(engine(serverUri()), time).tokenProvider(user -> {
      asked.incrementAndGet();
      return CompletableFuture.supplyAsync(() -> {
        try {
          return api.getToken(user); // the app's backend gets a fresh one
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
    }));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(first, 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    int mark = probe.size();

    Instant revoked = Instant.now().plusMillis(1);
    api.expireTokens(revoked, "renew");
    Await.wallClockPast(revoked); // tokens issued from now on are newer than the revocation
    server.dropConnections(APP_KEY, "renew");
    probe.awaitStatus(ConnectionStatus.SUSPEND, mark);
    runRetry(probe, time, 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED, mark);
    assertThat(asked).hasValue(1);
    assertThat(probe.trace().subList(mark, probe.size())).containsExactly(
        "SUSPEND(30011)", "CONNECTING(0)", "SUSPEND(31004)", "CONNECTING(0)", "CONNECTED(0)");
    assertThat(probe.connectedEvents()).hasSize(1);
  }

  @Test
  void aTokenProviderThatKeepsFailingCannotCauseALoop() throws Exception {
    startServer();
    String first = api.getToken("loop");
    AtomicInteger asked = new AtomicInteger();
    FakeClock time = new FakeClock();
    // It always hands back the same, revoked, token.
    ImEngine engine = build(withTime(engine(serverUri()), time).tokenProvider(user -> {
      asked.incrementAndGet();
      return CompletableFuture.completedFuture(first);
    }));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(first, 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    api.expireTokens(Instant.now().plusSeconds(1), "loop");
    server.dropConnections(APP_KEY, "loop");
    probe.awaitStatus(ConnectionStatus.SUSPEND);
    runRetry(probe, time, 0);
    probe.awaitStatus(ConnectionStatus.TOKEN_INCORRECT);
    assertThat(asked).as("one refresh per incident").hasValue(1);
    time.forward(Duration.ofHours(1));
    assertThat(time.pendingTasks()).isZero();
    assertThat(probe.statusTrace()).endsWith("TOKEN_INCORRECT(31004)");
  }

  @Test
  void aSilentSessionIsClosedByTheServerAfterItsIdleLimit() throws Exception {
    FakeClock serverTime = new FakeClock(Instant.now()); // near the real time: the API checks timestamps
    startServer(b -> b.scheduler(serverTime.scheduler()).clock(serverTime.clock()).idleTimeout(Duration.ofSeconds(20)));
    RecordingFrameHandler handler = new RecordingFrameHandler();
    FrameChannel ch = rawConnect(handler);
    ch.send(Frames.encode(Frame.newBuilder().setConnectRequest(ConnectRequest.newBuilder()
        .setProtocolVersion(Frames.PROTOCOL_VERSION).setAppKey(APP_KEY).setToken(api.getToken("quiet"))).build()));
    assertThat(Frames.decode(handler.nextFrame()).getConnectAck().getCode()).isZero();
    Await.until("the idle timer is armed", () -> serverTime.pendingDelays().contains(Duration.ofSeconds(20)));
    serverTime.forward(Duration.ofSeconds(19));
    assertThat(handler.isClosed()).isFalse();
    serverTime.forward(Duration.ofSeconds(1));
    assertThat(Frames.decode(handler.nextFrame()).getDisconnect().getCode()).isEqualTo(30013);
    handler.awaitClosed();
  }

  /** A wall clock that can jump ahead while the scheduler's time stands still (a sleeping machine). */
  protected static final class JumpingClock extends Clock {
    private final Clock base;
    private volatile Duration offset = Duration.ZERO;

    public JumpingClock(Clock base) {
      this.base = base;
    }

    public void jump(Duration d) {
      offset = offset.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return base.instant().plus(offset);
    }
  }

  /** For subclasses: a quick fixed reconnect policy. */
  protected static ImEngine.Builder fastRetries(ImEngine.Builder b) {
    return b.reconnectPolicy(ReconnectPolicy.fixed(Duration.ofMillis(1)));
  }
}
