package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.Limits;
import io.imlink.server.ImServer;
import io.imlink.tck.Await;
import io.imlink.tck.EngineProbe;
import io.imlink.tck.EngineProbe.Kind;
import io.imlink.tck.FakeClock;
import io.rong.RongCloud;
import io.rong.RongCloudConfig;
import io.rong.messages.BaseMessage;
import io.rong.messages.TxtMessage;
import io.rong.models.Result;
import io.rong.models.message.PrivateMessage;
import io.rong.models.response.TokenResult;
import io.rong.models.user.ExpireModel;
import io.rong.models.user.UserModel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commercial server SDK ({@code cn.rongcloud.im:server-sdk-java}), unchanged, drives the real
 * server's HTTP API while real engines connect over TCP: what an app backend written against the
 * commercial service does, works here.
 *
 * <p>Two things of the SDK's reach past this test. {@code RongCloud.getInstance} caches an instance
 * per JVM by app key and secret, keeping the first config (and so the first server's port): every
 * test uses an app key of its own. Loading {@code io.rong.util.HttpUtil} sets a trust-all {@code
 * HttpsURLConnection} default hostname verifier and SSL socket factory for the whole JVM; nothing in
 * this module's tests uses {@code HttpsURLConnection} (the TLS tests of the transports run in their
 * own modules, and the transports build their own SSL contexts), so it changes nothing here — a
 * test added to this module that relies on the JDK's default HTTPS verification must run in a fork
 * of its own.
 */
class CommercialServerSdkTest {
  @TempDir Path tmp;
  private final String appKey = "sdk-" + UUID.randomUUID();
  private final String secret = "sdk-secret-" + UUID.randomUUID();
  private final List<ImEngine> engines = new ArrayList<>();
  private ImServer server;
  private RongCloud rc;

  @BeforeEach
  void start() throws Exception {
    server = ImServer.builder()
        .app(appKey, secret)
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .build()
        .start();
    rc = sdk(secret);
  }

  @AfterEach
  void stop() {
    engines.forEach(ImEngine::close);
    server.close();
  }

  /** The SDK pointed at this test's server (no trailing slash: the SDK appends "/user/…"). */
  private RongCloud sdk(String appSecret) {
    RongCloudConfig config = new RongCloudConfig("http://127.0.0.1:" + server.httpApiUri().orElseThrow().getPort());
    config.httpConnectTimeout = 10_000;
    config.httpReadTimeout = 10_000;
    return RongCloud.getInstance(appKey, appSecret, config);
  }

  private ImEngine engine(String user) {
    return engine(user, ImEngine.builder(appKey));
  }

  /** Builds an engine of {@code user} for this server, closed after the test. */
  private ImEngine engine(String user, ImEngine.Builder builder) {
    ImEngine e = builder.server(server.listenUris().get(0)).dataDirectory(tmp.resolve("client-" + user)).build();
    engines.add(e);
    return e;
  }

  private String register(String user, String name) throws Exception {
    TokenResult r = rc.user.register(new UserModel().setId(user).setName(name));
    assertOk(r);
    assertThat(r.getToken()).isNotBlank();
    return r.getToken();
  }

  private String onlineStatus(String user) throws Exception {
    var r = rc.user.onlineStatus.check(new UserModel().setId(user));
    assertOk(r);
    return r.getStatus();
  }

  /** Code 200; else fails with the code and message (not the request, which may be 384 KB). */
  private static void assertOk(Result r) {
    assertThat(r.getCode()).as("%s: %s", r.getCode(), r.getErrorMessage()).isEqualTo(200);
  }

  /** Connects with {@code token} from the probe's current end and returns onConnected's code. */
  private static int connect(ImEngine engine, EngineProbe probe, String token) throws Exception {
    int mark = probe.size();
    assertThat(engine.connect(token, 0)).isZero();
    return probe.await(e -> e.kind() == Kind.CONNECTED, mark).code();
  }

  @Test
  void registerTwiceGivesTwoTokensThatBothConnectAndCheckOnlineFollowsTheSession() throws Exception {
    String first = register("u1", "Alice");
    String second = register("u1", "Alice");
    assertThat(second).isNotEqualTo(first);
    assertThat(onlineStatus("u1")).isEqualTo("0");

    ImEngine engine = engine("u1");
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(connect(engine, probe, first)).isZero();
    assertThat(onlineStatus("u1")).isEqualTo("1");

    engine.disconnect();
    probe.awaitStatus(ConnectionStatus.SIGN_OUT);
    Await.until("the server ends the session", () -> server.sessionCount() == 0);
    assertThat(onlineStatus("u1")).isEqualTo("0");

    assertThat(connect(engine, probe, second)).isZero();
    assertThat(onlineStatus("u1")).isEqualTo("1");
  }

  @Test
  void blockDisconnectsWith31009AndRefusesConnectingUntilRemoved() throws Exception {
    String token = register("u1", "Alice");
    ImEngine engine = engine("u1");
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(connect(engine, probe, token)).isZero();

    assertOk(rc.user.block.add(new UserModel().setId("u1").setMinute(10)));
    probe.awaitStatus(ConnectionStatus.CONN_USER_BLOCKED);
    assertThat(probe.statusTrace()).containsExactly("CONNECTING(0)", "CONNECTED(0)", "CONN_USER_BLOCKED(31009)");
    assertThat(connect(engine, probe, token)).isEqualTo(31009);

    assertOk(rc.user.block.remove("u1"));
    assertThat(connect(engine, probe, token)).isZero();
  }

  @Test
  void aPrivateMessageFromTheSdkReachesTheConnectedRecipient() throws Exception {
    ImEngine engine = engine("u2");
    List<Message> received = new CopyOnWriteArrayList<>();
    engine.addMessageListener((m, left, offline) -> received.add(m));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(connect(engine, probe, register("u2", "Bob"))).isZero();

    assertOk(rc.message.msgPrivate.send(new PrivateMessage().setSenderId("system").setTargetId(new String[] {"u2"})
        .setObjectName("RC:TxtMsg").setContent(new TxtMessage("hello", null))));
    Await.until("the message arrives", () -> received.size() == 1);
    Message hello = received.get(0);
    assertThat(hello.senderUserId()).isEqualTo("system");
    assertThat(hello.targetId()).isEqualTo("system");
    assertThat(hello.objectName()).isEqualTo("RC:TxtMsg");
    assertThat(new ObjectMapper().readTree(hello.content()).get("content").asText()).isEqualTo("hello");

    // The largest content, in multi-byte characters: the SDK form-encodes every byte as %XX (384 KB).
    String largest = "\u20ac".repeat(Limits.MAX_CONTENT_BYTES / 3) + "\u00e9"; // 3 × 43 690 + 2 bytes
    assertThat(largest.getBytes(StandardCharsets.UTF_8)).hasSize(Limits.MAX_CONTENT_BYTES);
    assertOk(rc.message.msgPrivate.send(new PrivateMessage().setSenderId("system").setTargetId(new String[] {"u2"})
        .setObjectName("app:Raw").setContent(raw("app:Raw", largest))));
    Await.until("the largest message arrives", () -> received.size() == 2);
    assertThat(received.get(1).content()).isEqualTo(largest);

    // One byte more is refused, as the HTTP API documents: code 1005 (HTTP 400).
    Result over = rc.message.msgPrivate.send(new PrivateMessage().setSenderId("system")
        .setTargetId(new String[] {"u2"}).setObjectName("app:Raw").setContent(raw("app:Raw", largest + "a")));
    assertThat(over.getCode()).as(over.getErrorMessage()).isEqualTo(1005);
  }

  /** A message type of the app's own, through the SDK's extension point: its content as given. */
  private static BaseMessage raw(String type, String content) {
    return new BaseMessage() {
      @Override
      public String getType() {
        return type;
      }

      @Override
      public String toString() {
        return content;
      }
    };
  }

  @Test
  void expireKeepsTheLiveSessionAndRefusesTheReconnectWith31004() throws Exception {
    String token = register("u1", "Alice");
    FakeClock time = new FakeClock();
    ImEngine engine = engine("u1", ImEngine.builder(appKey).clock(time.clock()).scheduler(time.scheduler()));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(connect(engine, probe, token)).isZero();

    // Every token issued up to now (by the server's clock, the system's) is older than this.
    long before = System.currentTimeMillis() + 1;
    assertOk(rc.user.expire(new ExpireModel().setUserId(new String[] {"u1"}).setTime(before)));
    assertThat(engine.getConnectionStatus()).as("live sessions stay up").isEqualTo(ConnectionStatus.CONNECTED);
    assertThat(onlineStatus("u1")).isEqualTo("1");

    assertThat(server.dropConnections(appKey, "u1")).isEqualTo(1);
    probe.awaitStatus(ConnectionStatus.SUSPEND);
    Await.until("the reconnect is scheduled", () -> time.pendingTasks() >= 1);
    time.forward(Duration.ofSeconds(1));
    probe.awaitStatus(ConnectionStatus.TOKEN_INCORRECT);
    assertThat(probe.statusTrace())
        .containsExactly("CONNECTING(0)", "CONNECTED(0)", "SUSPEND(30011)", "CONNECTING(0)", "TOKEN_INCORRECT(31004)");
  }

  @Test
  void aWrongSecretIs1004() throws Exception {
    RongCloud wrong = sdk("not-" + secret);
    assertThat(wrong.user.register(new UserModel().setId("u1").setName("Alice")).getCode()).isEqualTo(1004);
    assertThat(wrong.user.onlineStatus.check(new UserModel().setId("u1")).getCode()).isEqualTo(1004);
    assertThat(onlineStatus("u1")).as("the right secret still works").isEqualTo("0");
  }
}
