package io.imlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.protocol.Tokens;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signed HTTP API, called as an app backend would. */
class HttpApiTest {
  private static final String KEY = "app-key";
  private static final String SECRET = "app-secret-0123";

  @TempDir Path tmp;
  private ImServer server;
  private ServerApiClient api;
  private URI base;

  @BeforeEach
  void start() throws Exception {
    server = ImServer.builder()
        .app(KEY, SECRET)
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .dataDirectory(tmp)
        .build()
        .start();
    base = server.httpApiUri().orElseThrow();
    api = new ServerApiClient(base, KEY, SECRET);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void getTokenReturnsAVerifiableTokenOfAtMost256Bytes() throws Exception {
    var body = api.call("/user/getToken.json").param("userId", "alice").param("name", "Alice").send().checked();
    assertThat(body.get("code").asInt()).isEqualTo(200);
    assertThat(body.get("userId").asText()).isEqualTo("alice");
    String token = body.get("token").asText();
    assertThat(token.length()).isLessThanOrEqualTo(256);
    assertThat(Tokens.verify(token, SECRET).userId()).isEqualTo("alice");
    assertThat(Tokens.verify(token, SECRET).appKey()).isEqualTo(KEY);
    assertThat(Tokens.peek(token).expiry()).as("permanent by default").isEmpty();
  }

  @Test
  void aWrongSignatureIs401() throws Exception {
    var r = api.call("/user/getToken.json").param("userId", "a").signature("0".repeat(40)).send();
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body().get("code").asInt()).isEqualTo(1004);
    assertThat(r.body().get("errorMessage").asText()).isEqualTo("signature mismatch");
  }

  @Test
  void aSignatureMadeWithAnotherSecretIs401() {
    ServerApiClient wrong = new ServerApiClient(base, KEY, "not-the-secret");
    assertThatThrownBy(() -> wrong.getToken("a"))
        .isInstanceOfSatisfying(ServerApiException.class, e -> {
          assertThat(e.httpStatus()).isEqualTo(401);
          assertThat(e.code()).isEqualTo(1004);
        });
  }

  @Test
  void anUnknownAppKeyIs401() throws Exception {
    var r = api.call("/user/getToken.json").param("userId", "a").appKey("nobody").send();
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body().get("errorMessage").asText()).isEqualTo("unknown App-Key");
  }

  @Test
  void timestampsOutsideFiveMinutesAre401() throws Exception {
    long now = System.currentTimeMillis();
    for (long ts : new long[] {now - Duration.ofMinutes(6).toMillis(), now + Duration.ofMinutes(6).toMillis()}) {
      var r = api.call("/user/getToken.json").param("userId", "a").timestamp(ts).send();
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.body().get("errorMessage").asText()).contains("5 minutes");
    }
    var ok = api.call("/user/getToken.json").param("userId", "a").timestamp(now - Duration.ofMinutes(4).toMillis()).send();
    assertThat(ok.status()).isEqualTo(200);
    var garbage = api.call("/user/getToken.json").param("userId", "a").signature("x").send();
    assertThat(garbage.status()).isEqualTo(401);
  }

  @Test
  void aReplayedNonceIs401() throws Exception {
    long ts = System.currentTimeMillis();
    var first = api.call("/user/getToken.json").param("userId", "a").nonce("n-123").timestamp(ts).send();
    assertThat(first.status()).isEqualTo(200);
    var replay = api.call("/user/getToken.json").param("userId", "a").nonce("n-123").timestamp(ts).send();
    assertThat(replay.status()).isEqualTo(401);
    assertThat(replay.body().get("errorMessage").asText()).isEqualTo("Nonce already used");
  }

  @Test
  void missingSignatureHeadersAre401() throws Exception {
    HttpURLConnection c = (HttpURLConnection) base.resolve("/user/getToken.json").toURL().openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.getOutputStream().write("userId=a".getBytes());
    assertThat(c.getResponseCode()).isEqualTo(401);
    assertThat(new String(c.getErrorStream().readAllBytes())).contains("\"code\":1004");
  }

  @Test
  void badParametersAre400WithCode1002Or1005() throws Exception {
    var missing = api.call("/user/getToken.json").send();
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.body().get("code").asInt()).isEqualTo(1002);
    assertThat(missing.body().get("errorMessage").asText()).isEqualTo("userId is required");

    var tooLong = api.call("/user/getToken.json").param("userId", "u".repeat(65)).send();
    assertThat(tooLong.status()).isEqualTo(400);
    assertThat(tooLong.body().get("code").asInt()).isEqualTo(1005);

    var badTime = api.call("/user/token/expire.json").param("userId", "a").param("time", "soon").send();
    assertThat(badTime.status()).isEqualTo(400);
    assertThat(badTime.body().get("errorMessage").asText()).isEqualTo("time must be a number");

    var call = api.call("/user/token/expire.json").param("time", "1");
    for (int i = 0; i < 21; i++) {
      call.param("userId", "u" + i);
    }
    assertThat(call.send().body().get("errorMessage").asText()).isEqualTo("at most 20 userId per call");

    var badMinute = api.call("/user/block.json").param("userId", "a").param("minute", "0").send();
    assertThat(badMinute.status()).isEqualTo(400);
  }

  @Test
  void unknownPathsAre404AndOtherMethods405() throws Exception {
    assertThat(api.call("/user/nothing.json").send().status()).isEqualTo(404);
    HttpURLConnection c = (HttpURLConnection) base.resolve("/user/getToken.json").toURL().openConnection();
    assertThat(c.getResponseCode()).isEqualTo(405);
  }

  @Test
  void expireBlockUnblockAndCheckOnlineAnswer200() throws Exception {
    api.expireTokens(Instant.now(), "a", "b");
    api.block("a", 10);
    api.unblock("a");
    assertThat(api.checkOnline("a")).isFalse();
    var r = api.call("/user/checkOnline.json").param("userId", "a").send();
    assertThat(r.body().toString()).isEqualTo("{\"code\":200,\"status\":\"0\"}");
  }
}
