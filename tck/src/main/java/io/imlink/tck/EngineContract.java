package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.ReconnectPolicy;
import io.imlink.protocol.TokenClaims;
import io.imlink.protocol.Tokens;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.tck.EngineProbe.Kind;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The connect contract of the engine and the reference server over one transport, as a JUnit 5
 * suite: each transport's tests extend this class and name the listen URI. Every test runs a real
 * {@link ImServer} on loopback, gets tokens through its signed HTTP API as an app backend would,
 * and drives an engine built with {@link ImEngine#builder}. Where timers matter (connect timeout,
 * retries, auth timeout) time is driven by a {@link FakeClock}; nothing sleeps to wait for a timer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class EngineContract extends EngineFixture {
  // ---------------------------------------------------------------------------------------------

  @Test
  void theStepsOfAConnectionAreToldToConnectionEventListenersAndAThrowingOneIsContained() throws Exception {
    startServer(b -> b.heartbeatInterval(Duration.ofSeconds(20)));
    ImEngine engine = build(engine(serverUri()));
    engine.addConnectionEventListener(new io.imlink.api.ConnectionEventListener() {
      @Override
      public void attemptStarted(URI server) {
        throw new IllegalStateException("a listener's bug");
      }
    });
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(api.getToken("steps"), 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    probe.awaitStep("heartbeatScheduled", 0);
    var steps = probe.steps();
    assertThat(steps).extracting(EngineProbe.Step::kind)
        .startsWith("attemptStarted", "connected", "heartbeatScheduled");
    assertThat(steps.get(0).server()).isEqualTo(serverUri());
    assertThat(steps.get(1).delay()).as("the ping interval the server announced").isEqualTo(Duration.ofSeconds(20));
    assertThat(steps.get(2).delay()).as("the heartbeat looks at the link well within it")
        .isPositive().isLessThanOrEqualTo(Duration.ofSeconds(20));
    assertThat(probe.statusTrace()).containsExactly("CONNECTING(0)", "CONNECTED(0)");

    int from = probe.stepCount();
    server.dropConnections(APP_KEY, "steps");
    EngineProbe.Step lost = probe.awaitStep("connectionLost", from);
    assertThat(lost.server()).isEqualTo(serverUri());
    assertThat(probe.awaitStep("reconnectScheduled", lost.index()).delay()).isPositive();
  }

  @Test
  void aValidTokenConnectsWithCallbacksInOrderOnTheCallbackThread() throws Exception {
    startServer();
    String token = api.getToken("alice");
    ImEngine engine = build(engine(serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(engine.getConnectionStatus()).isEqualTo(ConnectionStatus.UNCONNECTED);

    assertThat(engine.connect(token, 10)).isZero();
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    assertThat(probe.trace())
        .containsExactly("onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(0, \"alice\")", "CONNECTED(0)");
    assertThat(engine.getConnectionStatus()).isEqualTo(ConnectionStatus.CONNECTED);
    String caller = Thread.currentThread().getName();
    assertThat(probe.events()).allSatisfy(e -> assertThat(e.thread()).startsWith("imlink-callbacks-").isNotEqualTo(caller));
    assertThat(api.checkOnline("alice")).isTrue();

    engine.disconnect();
    probe.awaitStatus(ConnectionStatus.SIGN_OUT);
    assertThat(probe.connectedEvents()).hasSize(1);
    Await.until("server sees alice offline", () -> server.sessionCount() == 0);
    assertThat(api.checkOnline("alice")).isFalse();
  }

  @Test
  void aSecondConnectIsRefusedWith34001AndFiresNothing() throws Exception {
    startServer();
    String token = api.getToken("bob");
    ImEngine engine = build(engine(serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(engine.connect(token, 0)).isZero();
    assertThat(engine.connect(token, 0)).as("while connecting").isEqualTo(34001);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    assertThat(engine.connect(token, 0)).as("while connected").isEqualTo(34001);
    engine.disconnect();
    probe.awaitStatus(ConnectionStatus.SIGN_OUT);
    assertThat(probe.trace()).containsExactly(
        "onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(0, \"bob\")", "CONNECTED(0)", "SIGN_OUT(0)");
    assertThat(server.stats().connectRequests()).isEqualTo(1);
  }

  @Test
  void nullOrBlankTokensAreRefusedAtOnce() throws Exception {
    startServer();
    ImEngine engine = build(engine(serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(engine.connect(null, 0)).isEqualTo(33003);
    assertThat(engine.connect("", 5)).isEqualTo(33003);
    assertThat(engine.connect(" \t", 5)).isEqualTo(33003);
    // A valid connect afterwards still works, and the refused calls fired nothing.
    assertThat(engine.connect(api.getToken("carol"), 0)).isZero();
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    assertThat(probe.trace().get(0)).isEqualTo("onDatabaseOpened(0)");
    assertThat(probe.connectedEvents()).hasSize(1);
  }

  @Test
  void aTamperedTokenIsFinal31004() throws Exception {
    startServer();
    String token = api.getToken("dave");
    // Same claims re-signed without the secret: readable, but a forgery.
    String forged = Tokens.sign(Tokens.peek(token), "not-the-secret");
    ImEngine engine = build(engine(serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(engine.connect(forged, 0)).isZero();
    probe.awaitStatus(ConnectionStatus.TOKEN_INCORRECT);
    assertThat(probe.trace()).containsExactly(
        "onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(31004, \"\")", "TOKEN_INCORRECT(31004)");
    assertThat(server.stats().connectRequests()).isEqualTo(1);
    // The engine is idle again: a good token connects.
    assertThat(engine.connect(token, 0)).isZero();
    probe.awaitStatus(ConnectionStatus.CONNECTED);
  }

  @Test
  void somethingThatIsNotATokenIsFinal31004WithoutReachingTheServer() throws Exception {
    startServer();
    ImEngine engine = build(engine(serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(engine.connect("definitely-not-a-token", 0)).isZero();
    probe.awaitStatus(ConnectionStatus.TOKEN_INCORRECT);
    assertThat(probe.connectedEvents()).extracting(EngineProbe.Event::code).containsExactly(31004);
    assertThat(server.stats().connectRequests()).isZero();
  }

  @Test
  void aTokenOfAnotherAppKeyIs31004() throws Exception {
    startServer();
    String otherAppsToken =
        apiClient(OTHER_APP_KEY, OTHER_APP_SECRET, java.time.Clock.systemUTC()).getToken("erin");
    assertThat(connectCode(engine(serverUri()), otherAppsToken, 0)).isEqualTo(31004);
  }

  @Test
  void anUnknownAppKeyIs31002() throws Exception {
    startServer();
    String token = api.getToken("frank");
    ImEngine engine = build(engineOf("no-such-app", serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(token, 0);
    probe.awaitStatus(ConnectionStatus.UNCONNECTED);
    assertThat(probe.trace()).containsExactly(
        "onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(31002, \"\")", "UNCONNECTED(31002)");
    assertThat(server.stats().connectRequests()).isEqualTo(1);
  }

  @Test
  void aTokenExpiredByItsLifetimeIs31004() throws Exception {
    FakeClock serverTime = new FakeClock(Instant.now());
    startServer(b -> b.tokenLifetime(Duration.ofMinutes(10)).clock(serverTime.clock()));
    ServerApiClient signed = apiClient(APP_KEY, APP_SECRET, serverTime.clock());
    String token = signed.getToken("gina");
    assertThat(Tokens.peek(token).expiry()).contains(serverTime.now().plus(Duration.ofMinutes(10)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));

    ImEngine engine = build(engine(serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(token, 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    engine.disconnect();
    probe.awaitStatus(ConnectionStatus.SIGN_OUT);

    serverTime.forward(Duration.ofMinutes(10));
    int mark = probe.size();
    engine.connect(token, 0);
    assertThat(probe.await(e -> e.kind() == Kind.CONNECTED, mark).code()).isEqualTo(31004);
  }

  @Test
  void revokedTokensAre31004AndNewerTokensStillWork() throws Exception {
    startServer();
    String old = api.getToken("hank");
    Instant revokeBefore = Instant.now().plusMillis(5);
    api.expireTokens(revokeBefore, "hank");
    ImEngine engine = build(engine(serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(old, 0);
    assertThat(probe.awaitConnected().code()).isEqualTo(31004);

    Await.until("the clock passes the revocation time", () -> Instant.now().isAfter(revokeBefore));
    String fresh = api.getToken("hank");
    int mark = probe.size();
    engine.connect(fresh, 0);
    assertThat(probe.await(e -> e.kind() == Kind.CONNECTED, mark).code()).isZero();
  }

  @Test
  void revocationsAndBlocksSurviveAServerRestart() throws Exception {
    Path serverData = tmp.resolve("server");
    startServer(b -> b.dataDirectory(serverData));
    String revoked = api.getToken("vera");
    String blocked = api.getToken("walt");
    Instant revokeBefore = Instant.now().plusMillis(5);
    api.expireTokens(revokeBefore, "vera");
    api.block("walt", 60);
    server.close();

    startServer(b -> b.dataDirectory(serverData));
    assertThat(connectCode(engine(serverUri()), revoked, 0)).isEqualTo(31004);
    assertThat(connectCode(engine(serverUri()), blocked, 0)).isEqualTo(31009);
  }

  @Test
  void aNewTokenDoesNotInvalidateOlderOnes() throws Exception {
    startServer();
    String first = api.getToken("ivy");
    api.getToken("ivy");
    assertThat(connectCode(engine(serverUri()), first, 0)).isZero();
  }

  @Test
  void aBlockedUserIs31009() throws Exception {
    startServer();
    String token = api.getToken("jack");
    api.block("jack", 10);
    ImEngine engine = build(engine(serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(token, 0);
    probe.awaitStatus(ConnectionStatus.CONN_USER_BLOCKED);
    assertThat(probe.trace()).containsExactly(
        "onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(31009, \"\")", "CONN_USER_BLOCKED(31009)");

    api.unblock("jack");
    int mark = probe.size();
    engine.connect(token, 0);
    assertThat(probe.await(e -> e.kind() == Kind.CONNECTED, mark).code()).isZero();
  }

  @Test
  void blockingAConnectedUserDisconnectsItWith31009AndItDoesNotComeBack() throws Exception {
    FakeClock time = new FakeClock();
    startServer();
    String token = api.getToken("kate");
    ImEngine engine = build(withTime(engine(serverUri()), time));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(token, 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    long requests = server.stats().connectRequests();

    api.block("kate", 5);
    probe.awaitStatus(ConnectionStatus.CONN_USER_BLOCKED);
    assertThat(probe.statusTrace()).containsExactly("CONNECTING(0)", "CONNECTED(0)", "CONN_USER_BLOCKED(31009)");
    assertThat(probe.connectedEvents()).hasSize(1);
    assertThat(engine.getConnectionStatus()).isEqualTo(ConnectionStatus.CONN_USER_BLOCKED);
    time.forward(Duration.ofMinutes(30));
    assertThat(time.pendingTasks()).as("no reconnect is scheduled").isZero();
    assertThat(server.stats().connectRequests()).isEqualTo(requests);
  }

  @Test
  void theTimeoutRunningOutIs34006AndNoAttemptFollows() throws Exception {
    startServer();
    String token = api.getToken("liam");
    FaultProxy proxy = proxyToServer();
    proxy.refuse(true); // every attempt reaches the proxy and is reset
    FakeClock time = new FakeClock();
    Duration retry = Duration.ofMillis(400);
    ImEngine engine = build(withTime(engine(serverUriAt(proxy.address())), time)
        .reconnectPolicy(ReconnectPolicy.fixed(retry))
        .ackTimeout(Duration.ofHours(1)));
    EngineProbe probe = EngineProbe.attach(engine);

    assertThat(engine.connect(token, 3)).isZero();
    // Attempts at 0, 0.4 ... 2.8 s of fake time; each fails and schedules the next 0.4 s later.
    for (int n = 1; n <= 8; n++) {
      int attempt = n;
      Await.until("attempt " + n + " failed and the next is scheduled",
          () -> proxy.acceptedCount() >= attempt && time.pendingDelays().contains(retry));
      time.forward(n < 8 ? retry : Duration.ofMillis(200)); // the last step reaches exactly 3 s
    }
    probe.awaitStatus(ConnectionStatus.TIMEOUT);
    assertThat(probe.trace()).containsExactly(
        "onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(34006, \"\")", "TIMEOUT(34006)");
    assertThat(proxy.acceptedCount()).isEqualTo(8);
    assertThat(time.pendingTasks()).as("nothing left scheduled").isZero();
    time.forward(Duration.ofHours(1));
    assertThat(proxy.acceptedCount()).isEqualTo(8);
    assertThat(engine.getConnectionStatus()).isEqualTo(ConnectionStatus.TIMEOUT);
  }

  @Test
  void withNoTimeoutItKeepsTryingUntilALateServerStarts() throws Exception {
    int port = Network.freePort();
    URI listen = Network.withAddress(listenUri(), new InetSocketAddress(Network.loopback(), port));
    URI clientUri = listen; // same scheme, path and the port the server will take
    FakeClock time = new FakeClock();
    // The token is made with the app secret, as the server will verify it once it is up.
    String token = Tokens.sign(new TokenClaims(APP_KEY, "mona", Instant.now(), null), APP_SECRET);
    // A long ack timeout: forwarding time while an attempt is in flight must not time it out.
    ImEngine engine = build(withTime(engine(clientUri), time).ackTimeout(Duration.ofHours(1)));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(engine.connect(token, 0)).isZero();
    Await.until("a first attempt fails and a retry is scheduled", () -> time.pendingTasks() >= 1);
    time.forward(Duration.ofSeconds(1));
    Await.until("a later attempt fails too", () -> time.pendingTasks() >= 1);

    ImServer late = closeLater(serverBuilder()
        .app(APP_KEY, APP_SECRET)
        .listen(listen)
        .build()
        .start());
    for (int i = 0; i < 200 && engine.getConnectionStatus() != ConnectionStatus.CONNECTED; i++) {
      time.forward(Duration.ofSeconds(1));
      Await.until("the attempt settles", () -> engine.getConnectionStatus() == ConnectionStatus.CONNECTED
          || time.pendingTasks() >= 1);
    }
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    assertThat(probe.connectedEvents()).extracting(EngineProbe.Event::code).containsExactly(0);
    assertThat(late.stats().sessionsAccepted()).as("sessions; engine saw %s", probe.trace()).isEqualTo(1);
  }

  @Test
  void aSessionDroppedByTheServerIsReestablishedWithoutASecondOnConnected() throws Exception {
    startServer();
    String token = api.getToken("nina");
    ImEngine engine = build(engine(serverUri()));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(token, 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    int mark = probe.size();

    assertThat(server.dropConnections(APP_KEY, "nina")).isEqualTo(1);
    probe.awaitStatus(ConnectionStatus.CONNECTED, mark);
    assertThat(probe.trace().subList(mark, probe.size()))
        .containsExactly("SUSPEND(30011)", "CONNECTING(0)", "CONNECTED(0)");
    assertThat(probe.connectedEvents()).hasSize(1);
    assertThat(server.stats().sessionsAccepted()).isEqualTo(2);
  }

  @Test
  void reconnectingStopsForGoodOnARevokedToken() throws Exception {
    FakeClock time = new FakeClock();
    startServer();
    String token = api.getToken("owen");
    ImEngine engine = build(withTime(engine(serverUri()), time));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(token, 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);

    api.expireTokens(Instant.now().plusSeconds(1), "owen");
    assertThat(engine.getConnectionStatus()).as("live sessions stay up").isEqualTo(ConnectionStatus.CONNECTED);
    server.dropConnections(APP_KEY, "owen");
    probe.awaitStatus(ConnectionStatus.SUSPEND);
    Await.until("the reconnect is scheduled", () -> time.pendingTasks() >= 1);
    time.forward(Duration.ofSeconds(1));
    probe.awaitStatus(ConnectionStatus.TOKEN_INCORRECT);
    assertThat(probe.statusTrace())
        .containsExactly("CONNECTING(0)", "CONNECTED(0)", "SUSPEND(30011)", "CONNECTING(0)", "TOKEN_INCORRECT(31004)");
    assertThat(probe.connectedEvents()).hasSize(1);
    long requests = server.stats().connectRequests();
    time.forward(Duration.ofHours(1));
    assertThat(time.pendingTasks()).isZero();
    assertThat(server.stats().connectRequests()).isEqualTo(requests);
  }

  @Test
  void disconnectWhileConnectingReportsTheCallOnceAndSignsOut() throws Exception {
    startServer();
    String token = api.getToken("pia");
    FaultProxy proxy = proxyToServer();
    proxy.refuse(true);
    ImEngine engine = build(engine(serverUriAt(proxy.address())));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(token, 0);
    Await.until("an attempt reached the proxy", () -> proxy.acceptedCount() >= 1);
    assertThat(engine.disconnect()).isZero();
    probe.awaitStatus(ConnectionStatus.SIGN_OUT);
    assertThat(probe.trace()).containsExactly(
        "onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(30001, \"\")", "SIGN_OUT(0)");
  }

  @Test
  void severalServersAreTriedInOrder() throws Exception {
    startServer();
    String token = api.getToken("quinn");
    URI dead = serverUriAt(new InetSocketAddress(Network.loopback(), Network.freePort()));
    assertThat(connectCode(engine(dead, serverUri()), token, 5)).isZero();
  }

  @Test
  void closingTheEngineSignsOutAndLeavesNoThread() throws Exception {
    startServer();
    String token = api.getToken("rita");
    java.util.Set<Thread> before = new java.util.HashSet<>(Thread.getAllStackTraces().keySet());
    ImEngine engine = engine(serverUri()).build();
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(token, 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    engine.close();
    assertThat(probe.trace()).endsWith("SIGN_OUT(0)");
    assertThat(engine.connect(token, 0)).isEqualTo(33001);
    // Only the engine's threads: the server's own start lazily and stop with the server. A pool's
    // worker reports its pool terminated just before it exits, so a thread may still be ending.
    java.util.function.Supplier<java.util.Set<Thread>> leaked = () -> {
      java.util.Set<Thread> now = new java.util.HashSet<>(Thread.getAllStackTraces().keySet());
      now.removeAll(before);
      now.removeIf(t -> !t.isAlive() || !t.getName().startsWith("imlink-") || t.getName().contains("server"));
      return now;
    };
    try {
      Await.until("the engine's threads have ended", () -> leaked.get().isEmpty(), Duration.ofSeconds(5));
    } catch (AssertionError stillRunning) {
      assertThat(leaked.get()).as(stillRunning.getMessage()).isEmpty(); // names them
    }
    Await.until("the server sees the session end", () -> server.sessionCount() == 0);
  }

  // The server's side of the handshake, spoken directly over the transport: ProtocolConformanceContract.

  /** Keeps the reconnect policy of an engine short and deterministic, for tests that need it. */
  protected static ImEngine.Builder quickRetries(ImEngine.Builder b) {
    return b.reconnectPolicy(ReconnectPolicy.fixed(Duration.ofMillis(20)));
  }

  /** Builds an engine, connects it with {@code token}, and returns the code of its one onConnected. */
  private int connectCode(ImEngine.Builder b, String token, int timeLimitSeconds) throws InterruptedException {
    ImEngine engine = build(b);
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(token, timeLimitSeconds);
    return probe.awaitConnected().code();
  }
}
