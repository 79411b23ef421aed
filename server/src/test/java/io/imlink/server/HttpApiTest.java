package io.imlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.protocol.Tokens;
import io.imlink.server.internal.HttpApi;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signed HTTP API, called as an app backend would. */
class HttpApiTest {
  private static final String KEY = "app-key";
  private static final String SECRET = "app-secret-0123";

  private static final long WINDOW_MS = Duration.ofMinutes(5).toMillis();

  @TempDir Path tmp;
  /** The server's clock, on a whole second so that seconds and milliseconds meet the same bounds. */
  private final SetClock clock = new SetClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
  private ImServer server;
  private ServerApiClient api;
  private URI base;

  @BeforeEach
  void start() throws Exception {
    server = ImServer.builder()
        .app(KEY, SECRET)
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .dataDirectory(tmp)
        .clock(clock)
        .build()
        .start();
    base = server.httpApiUri().orElseThrow();
    api = new ServerApiClient(base, KEY, SECRET, clock, Duration.ofSeconds(10));
  }

  /** A clock that stands still until the test sets it. */
  private static final class SetClock extends Clock {
    private volatile Instant now;

    SetClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException("UTC only");
    }
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
    ServerApiClient wrong = new ServerApiClient(base, KEY, "not-the-secret", clock, Duration.ofSeconds(10));
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

  /** A getToken call signed with this Timestamp header and a nonce of its own. */
  private ServerApiClient.Response getTokenAt(String timestamp, String nonce) throws Exception {
    return api.call("/user/getToken.json").param("userId", "a").timestamp(timestamp).nonce(nonce).send();
  }

  private static void assertRefused(ServerApiClient.Response r, String timestamp, String message) {
    assertThat(r.status()).as("HTTP status for Timestamp %s", timestamp).isEqualTo(401);
    assertThat(r.body().get("code").asInt()).as("code for Timestamp %s", timestamp).isEqualTo(1004);
    assertThat(r.body().get("errorMessage").asText()).as("message for Timestamp %s", timestamp).contains(message);
  }

  @Test
  void secondsAndMillisecondsAreBothAcceptedAndEachReplayIsRefused() throws Exception {
    long now = clock.millis();
    var seconds = api.call("/user/getToken.json").param("userId", "a").timestampSeconds(now / 1000).nonce("s").send();
    assertThat(seconds.status()).isEqualTo(200);
    var millis = api.call("/user/getToken.json").param("userId", "a").timestamp(now).nonce("ms").send();
    assertThat(millis.status()).isEqualTo(200);
    // What the commercial server SDK sends: seconds, and a nonce such as "96639.9551009507".
    long sdkSeconds = now / 1000;
    assertThat(getTokenAt(Long.toString(sdkSeconds), "96639.9551009507").status()).isEqualTo(200);

    assertRefused(getTokenAt(Long.toString(now / 1000), "s"), "seconds replayed", "Nonce already used");
    assertRefused(getTokenAt(Long.toString(now), "ms"), "ms replayed", "Nonce already used");
    assertRefused(getTokenAt(Long.toString(sdkSeconds), "96639.9551009507"), "SDK replayed", "Nonce already used");
    // The same nonce with another (validly signed) timestamp is a replay too.
    assertRefused(getTokenAt(Long.toString(now - 1), "s"), "seconds nonce, ms timestamp", "Nonce already used");
    assertRefused(getTokenAt(Long.toString(now / 1000 + 1), "ms"), "ms nonce, seconds timestamp", "Nonce already used");
  }

  @Test
  void exactlyFiveMinutesEitherWayIsAcceptedOneUnitMoreIsRefusedInBothUnits() throws Exception {
    long now = clock.millis();
    long sec = now / 1000;
    long windowSec = WINDOW_MS / 1000;
    String[] inside = {
        Long.toString(sec - windowSec), Long.toString(sec + windowSec),
        Long.toString(now - WINDOW_MS), Long.toString(now + WINDOW_MS)};
    String[] outside = {
        Long.toString(sec - windowSec - 1), Long.toString(sec + windowSec + 1),
        Long.toString(now - WINDOW_MS - 1), Long.toString(now + WINDOW_MS + 1)};
    for (String ts : outside) {
      assertRefused(getTokenAt(ts, "out-" + ts), ts, "more than 5 minutes away");
    }
    for (String ts : inside) {
      assertThat(getTokenAt(ts, "in-" + ts).status()).as("Timestamp %s", ts).isEqualTo(200);
    }
    for (String ts : inside) {
      assertRefused(getTokenAt(ts, "in-" + ts), ts + " replayed", "Nonce already used");
    }
  }

  @Test
  void extremeNegativeAndNonNumericTimestampsAre401() throws Exception {
    long now = clock.millis();
    String[] refused = {
        Long.toString(Long.MIN_VALUE),
        Long.toString(now + Long.MIN_VALUE), // now - 2^63: |now - ts| overflows to a negative distance
        Long.toString(Long.MAX_VALUE),
        Long.toString(HttpApi.SECONDS_BELOW - 1), // the largest value read as seconds: year 5138
        Long.toString(HttpApi.SECONDS_BELOW), // the smallest read as milliseconds: 1973
        "0", "-1", "-" + now, "-" + now / 1000, "9223372036854775808", "", "1.7e12", "now", "0x" + Long.toHexString(now)};
    for (String ts : refused) {
      assertRefused(getTokenAt(ts, "n-" + ts), ts, "Timestamp");
    }
  }

  @Test
  void aNonceIsRememberedUntilItsTimestampLeavesTheWindow() throws Exception {
    Instant start = clock.instant();
    long future = start.toEpochMilli() + WINDOW_MS; // accepted: exactly 5 minutes ahead
    assertThat(getTokenAt(Long.toString(future), "late").status()).isEqualTo(200);
    assertThat(getTokenAt(Long.toString(future / 1000), "late-s").status()).isEqualTo(200);

    // At start + 10 min the timestamps are exactly 5 minutes behind, still accepted: the nonces must be known.
    clock.set(start.plusMillis(2 * WINDOW_MS));
    assertRefused(getTokenAt(Long.toString(future), "late"), "ms at +10 min", "Nonce already used");
    assertRefused(getTokenAt(Long.toString(future / 1000), "late-s"), "s at +10 min", "Nonce already used");

    // One millisecond later the timestamps themselves are refused.
    clock.set(start.plusMillis(2 * WINDOW_MS + 1));
    assertRefused(getTokenAt(Long.toString(future), "late"), "ms at +10 min 1 ms", "more than 5 minutes away");
    assertRefused(getTokenAt(Long.toString(future / 1000), "late-s"), "s at +10 min 1 ms", "more than 5 minutes away");
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
    api.expireTokens(clock.instant(), "a", "b");
    api.block("a", 10);
    api.unblock("a");
    assertThat(api.checkOnline("a")).isFalse();
    var r = api.call("/user/checkOnline.json").param("userId", "a").send();
    assertThat(r.body().toString()).isEqualTo("{\"code\":200,\"status\":\"0\"}");
  }
}
