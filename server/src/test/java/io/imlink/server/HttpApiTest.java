package io.imlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.imlink.api.Limits;
import io.imlink.protocol.Tokens;
import io.imlink.server.internal.HttpApi;
import io.imlink.server.internal.ServerState;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
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

  /** What every refusal that could tell a valid App-Key from a valid signature says. */
  private static final String AUTH_FAILED = "authentication failed: check App-Key, Nonce, Timestamp and Signature";

  @Test
  void aWrongSignatureIs401() throws Exception {
    var r = api.call("/user/getToken.json").param("userId", "a").signature("0".repeat(40)).send();
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.body().get("code").asInt()).isEqualTo(1004);
    assertThat(r.body().get("errorMessage").asText()).isEqualTo(AUTH_FAILED);
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
    assertThat(r.body().get("code").asInt()).isEqualTo(1004);
    assertThat(r.body().get("errorMessage").asText()).isEqualTo(AUTH_FAILED);
  }

  /**
   * No refusal tells an attacker whether the App-Key exists: a known key with a wrong signature and
   * an unknown one get the same answer, and so does every malformed Nonce or Timestamp, whichever
   * the key.
   */
  @Test
  void refusalsAreTheSameForAKnownAndAnUnknownAppKey() throws Exception {
    var wrongSignature = api.call("/user/getToken.json").param("userId", "a").signature("0".repeat(40)).send();
    var unknownKey = api.call("/user/getToken.json").param("userId", "a").appKey("nobody").send();
    var unknownKeyWrongSignature = api.call("/user/getToken.json").param("userId", "a").appKey("nobody")
        .signature("0".repeat(40)).send();
    ServerApiClient wrongSecret = new ServerApiClient(base, KEY, "not-the-secret", clock, Duration.ofSeconds(10));
    var otherSecret = wrongSecret.call("/user/getToken.json").param("userId", "a").send();
    for (var r : List.of(unknownKey, unknownKeyWrongSignature, otherSecret)) {
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.body()).isEqualTo(wrongSignature.body());
    }

    long now = clock.millis();
    List<java.util.function.UnaryOperator<ServerApiClient.Call>> malformed = List.of(
        c -> c.nonce(""),
        c -> c.nonce("n".repeat(65)),
        c -> c.timestamp("soon"),
        c -> c.timestamp(Long.toString(now + WINDOW_MS + 1)),
        c -> c.timestamp(Long.toString(now - WINDOW_MS - 1)));
    for (int i = 0; i < malformed.size(); i++) {
      var known = malformed.get(i).apply(api.call("/user/getToken.json").param("userId", "a").nonce("k" + i)).send();
      var unknown = malformed.get(i).apply(
          api.call("/user/getToken.json").param("userId", "a").nonce("u" + i).appKey("nobody")).send();
      assertThat(known.status()).as("case %d", i).isEqualTo(401);
      assertThat(unknown.status()).as("case %d", i).isEqualTo(401);
      assertThat(unknown.body()).as("case %d: %s", i, known.body()).isEqualTo(known.body());
    }
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

  /** A revocation time beyond the clock window (or before the epoch) would refuse every later token for ever. */
  @Test
  void anExpiryTimeOutsideZeroToNowPlusTheWindowIs400AndRevokesNothing() throws Exception {
    long latest = clock.millis() + HttpApi.WINDOW.toMillis();
    for (String time : List.of(Long.toString(Long.MAX_VALUE), Long.toString(latest + 1), "-1",
        Long.toString(Long.MIN_VALUE))) {
      var r = api.call("/user/token/expire.json").param("userId", "a").param("userId", "b").param("time", time).send();
      assertThat(r.status()).as("time=%s", time).isEqualTo(400);
      assertThat(r.body().get("code").asInt()).as("time=%s", time).isEqualTo(1002);
      assertThat(r.body().get("errorMessage").asText()).as("time=%s", time)
          .isEqualTo("time must be from 0 to " + latest
              + " (ms since the epoch: at most 5 minutes after the server clock)");
    }
    // The bounds themselves are accepted.
    api.expireTokens(Instant.EPOCH, "b");
    api.expireTokens(Instant.ofEpochMilli(latest), "a");
    server.close();
    try (ServerState state = ServerState.open(tmp)) {
      assertThat(state.revokedBefore(KEY, "a")).isEqualTo(latest);
      assertThat(state.revokedBefore(KEY, "b")).isEqualTo(0);
    }
  }

  /** An id of {@link Limits#MAX_ID_BYTES} bytes in two-byte characters (each byte form-encoded as %XX), one per {@code i < 1000}. */
  private static String twoByteId(int i) {
    return "\u00e9".repeat(Limits.MAX_ID_BYTES / 2 - 3)
        + (char) (0x100 + i / 100) + (char) (0x100 + i / 10 % 10) + (char) (0x100 + i % 10);
  }

  /** {@code bytes} UTF-8 bytes of multi-byte characters: euro signs (3 bytes), then e-acutes (2 bytes). */
  private static String multiByteContent(int bytes) {
    int euros = bytes / 3;
    while ((bytes - 3 * euros) % 2 != 0) {
      euros--;
    }
    return "\u20ac".repeat(euros) + "\u00e9".repeat((bytes - 3 * euros) / 2);
  }

  @Test
  void theLargestPublishIsAcceptedWithEveryByteFormEncoded() throws Exception {
    String content = multiByteContent(Limits.MAX_CONTENT_BYTES);
    assertThat(content.getBytes(StandardCharsets.UTF_8)).hasSize(Limits.MAX_CONTENT_BYTES);
    List<String> to = IntStream.range(0, 1000).mapToObj(HttpApiTest::twoByteId).toList();
    assertThat(to).doesNotHaveDuplicates().allMatch(id -> id.getBytes(StandardCharsets.UTF_8).length == Limits.MAX_ID_BYTES);
    String from = twoByteId(0);
    String objectName = twoByteId(1);
    int encoded = URLEncoder.encode(content, StandardCharsets.UTF_8).length()
        + to.stream().mapToInt(u -> URLEncoder.encode(u, StandardCharsets.UTF_8).length()).sum();
    assertThat(encoded).as("form-encoded content and recipients").isGreaterThan(3 * Limits.MAX_CONTENT_BYTES + 190_000);

    var call = api.call("/message/private/publish.json")
        .param("fromUserId", from).param("objectName", objectName).param("content", content);
    to.forEach(u -> call.param("toUserId", u));
    var r = call.send();
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    assertThat(server.stats().messagesPublished()).isEqualTo(1);

    // A content of MAX_CONTENT_BYTES + 1 bytes is refused, as the SDK refuses it, with 400/1005.
    var over = api.call("/message/private/publish.json").param("fromUserId", "system").param("toUserId", "bob")
        .param("objectName", "RC:TxtMsg").param("content", multiByteContent(Limits.MAX_CONTENT_BYTES + 1)).send();
    assertThat(over.status()).isEqualTo(400);
    assertThat(over.body().get("code").asInt()).isEqualTo(1005);
    assertThat(server.stats().messagesPublished()).isEqualTo(1);
  }

  /** Signature headers for a request sent by hand, with a fresh nonce. */
  private String signedHeaders(String path, String nonce) {
    String ts = Long.toString(clock.millis() / 1000);
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + "App-Key: " + KEY + "\r\nNonce: " + nonce + "\r\nTimestamp: " + ts + "\r\n"
        + "Signature: " + ServerApiClient.signature(SECRET, nonce, ts) + "\r\n";
  }

  /** Writes {@code request} on a new loopback connection and reads one response: status and JSON body. */
  private ServerApiClient.Response exchangeRaw(byte[]... request) throws Exception {
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(15_000); // a server waiting for a body that never comes fails the test, not hangs it
      OutputStream out = socket.getOutputStream();
      for (byte[] part : request) {
        out.write(part);
      }
      out.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      String statusLine = readLine(in);
      int status = Integer.parseInt(statusLine.split(" ")[1]);
      int length = -1;
      for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring("content-length:".length()).trim());
        }
      }
      assertThat(length).as("response Content-Length").isPositive();
      return new ServerApiClient.Response(status, new ObjectMapper().readTree(in.readNBytes(length)));
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("connection closed after \"" + line + "\"");
      }
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Test
  void aBodyOverTheLimitIs413AndADeclaredOneIsRefusedUnread() throws Exception {
    // Chunked, so the server learns the size only by reading: one byte over is refused.
    byte[] body = new byte[HttpApi.MAX_BODY + 1];
    Arrays.fill(body, (byte) 'a');
    var read = exchangeRaw(
        (signedHeaders("/user/getToken.json", "chunked") + "Transfer-Encoding: chunked\r\n\r\n"
            + Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII),
        body,
        "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(read.status()).isEqualTo(413);
    assertThat(read.body().get("code").asInt()).isEqualTo(1005);

    // Declared too long and never sent: the answer comes without the server waiting for the body.
    var declared = exchangeRaw((signedHeaders("/user/getToken.json", "declared")
        + "Content-Length: " + (HttpApi.MAX_BODY + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    assertThat(declared.status()).isEqualTo(413);
    assertThat(declared.body().get("code").asInt()).isEqualTo(1005);
    assertThat(declared.body().get("errorMessage").asText()).contains("Content-Length " + (HttpApi.MAX_BODY + 1));

    // At the limit, a body is read and parsed: a getToken padded to exactly MAX_BODY bytes works.
    String form = "userId=max&pad=";
    String exact = form + "a".repeat(HttpApi.MAX_BODY - form.length());
    var atLimit = exchangeRaw((signedHeaders("/user/getToken.json", "exact") + "Content-Length: " + exact.length()
        + "\r\n\r\n" + exact).getBytes(StandardCharsets.US_ASCII));
    assertThat(atLimit.status()).as(atLimit.body().toString()).isEqualTo(200);
  }

  /** POSTs {@code body} as it is, signed, with a fresh nonce. */
  private ServerApiClient.Response postRaw(String path, byte[] body) throws Exception {
    String head = signedHeaders(path, "raw-" + nonces++) + "Content-Length: " + body.length + "\r\n\r\n";
    return exchangeRaw(head.getBytes(StandardCharsets.US_ASCII), body);
  }

  private int nonces;

  /** Invalid UTF-8 used to turn into U+FFFD: userId=%ff and userId=%fe were the same user. */
  @Test
  void formKeysAndValuesThatAreNotUtf8Are400AndValidMultiByteUtf8Works() throws Exception {
    String[] values = {
        "%ff", "%fe", "a%80b", "%C0%AF", // a bare continuation byte, an overlong '/'
        "%E2%82", "%ED%A0%80", "%F4%90%80%80", // truncated, a surrogate, beyond U+10FFFF
    };
    for (String v : values) {
      for (String form : List.of("userId=" + v, "userId=a&name=" + v, "userId=a&" + v + "=x")) {
        var r = postRaw("/user/getToken.json", form.getBytes(StandardCharsets.US_ASCII));
        assertThat(r.status()).as(form).isEqualTo(400);
        assertThat(r.body().get("code").asInt()).as(form).isEqualTo(1002);
        assertThat(r.body().get("errorMessage").asText()).as(form).contains("not valid UTF-8");
      }
    }
    // Bytes that are not UTF-8 are refused whether percent-encoded or not.
    byte[] rawFf = {'u', 's', 'e', 'r', 'I', 'd', '=', (byte) 0xff};
    var raw = postRaw("/user/getToken.json", rawFf);
    assertThat(raw.status()).isEqualTo(400);
    assertThat(raw.body().get("code").asInt()).isEqualTo(1002);

    var euro = postRaw("/user/getToken.json", "userId=%E2%82%AC%F0%9F%98%80+x".getBytes(StandardCharsets.US_ASCII));
    assertThat(euro.status()).as(euro.body().toString()).isEqualTo(200);
    assertThat(euro.body().get("userId").asText()).isEqualTo("\u20ac\ud83d\ude00 x");
    assertThat(Tokens.verify(euro.body().get("token").asText(), SECRET).userId()).isEqualTo("\u20ac\ud83d\ude00 x");
    var rawEuro = postRaw("/user/getToken.json", "userId=\u20ac".getBytes(StandardCharsets.UTF_8));
    assertThat(rawEuro.body().get("userId").asText()).isEqualTo("\u20ac");

    var badEscape = postRaw("/user/getToken.json", "userId=%4".getBytes(StandardCharsets.US_ASCII));
    assertThat(badEscape.status()).isEqualTo(400);
    assertThat(badEscape.body().get("errorMessage").asText()).isEqualTo("malformed form body");
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
