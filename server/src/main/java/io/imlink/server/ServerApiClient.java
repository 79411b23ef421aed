package io.imlink.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A client of the server's signed HTTP API, as an app's backend uses it: it holds the app secret,
 * so it belongs on a server, never in a client app.
 *
 * <p>Every call is a form-encoded {@code POST} signed with {@code App-Key}, {@code Nonce}, {@code
 * Timestamp} and {@code Signature} = hex SHA1(secret + nonce + timestamp), sent as the commercial
 * server SDK sends them: the timestamp in seconds since the epoch, the nonce a random decimal
 * number such as {@code 96639.9551009507}. Blocking I/O.
 *
 * <p>Thread safety: may be used from several threads at once.
 */
public final class ServerApiClient {
  private final URI base;
  private final String appKey;
  private final String appSecret;
  private final Clock clock;
  private final Duration timeout;
  private final javax.net.ssl.SSLContext tls;
  private final SecureRandom random = new SecureRandom();
  private final ObjectMapper json = new ObjectMapper();

  /** A client with the system clock and a 10 s timeout. */
  public ServerApiClient(URI base, String appKey, String appSecret) {
    this(base, appKey, appSecret, Clock.systemUTC(), Duration.ofSeconds(10));
  }

  public ServerApiClient(URI base, String appKey, String appSecret, Clock clock, Duration timeout) {
    this(base, appKey, appSecret, clock, timeout, null);
  }

  /**
   * @param tls how an {@code https} API is trusted, e.g. {@link io.imlink.api.tls.ClientTls#sslContext()};
   *     null for the JDK's default (the system trust store)
   */
  public ServerApiClient(URI base, String appKey, String appSecret, Clock clock, Duration timeout,
      javax.net.ssl.SSLContext tls) {
    this.tls = tls;
    this.base = Objects.requireNonNull(base, "base");
    this.appKey = Objects.requireNonNull(appKey, "appKey");
    this.appSecret = Objects.requireNonNull(appSecret, "appSecret");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timeout = Objects.requireNonNull(timeout, "timeout");
  }

  /** The API signature: lower-case hex SHA1 of secret + nonce + timestamp. */
  public static String signature(String appSecret, String nonce, String timestamp) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1")
          .digest((appSecret + nonce + timestamp).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JDK", e);
    }
  }

  /** Registers the user if needed and returns a new token ({@code /user/getToken.json}). */
  public String getToken(String userId) throws IOException {
    return getToken(userId, null, null);
  }

  /** Same, with the user's display name and portrait. */
  public String getToken(String userId, String name, String portraitUri) throws IOException {
    Call call = call("/user/getToken.json").param("userId", userId);
    if (name != null) {
      call.param("name", name);
    }
    if (portraitUri != null) {
      call.param("portraitUri", portraitUri);
    }
    return call.send().checked().get("token").asText();
  }

  /**
   * Revokes every token of these users issued before {@code before} ({@code
   * /user/token/expire.json}, whose {@code time} is in milliseconds, as the commercial API defines
   * it). Live connections stay up; their next connect fails with 31004.
   */
  public void expireTokens(Instant before, String... userIds) throws IOException {
    Call call = call("/user/token/expire.json").param("time", Long.toString(before.toEpochMilli()));
    for (String u : userIds) {
      call.param("userId", u);
    }
    call.send().checked();
  }

  /** Blocks the user for {@code minutes} and disconnects its sessions with 31009. */
  public void block(String userId, int minutes) throws IOException {
    call("/user/block.json").param("userId", userId).param("minute", Integer.toString(minutes)).send().checked();
  }

  /** Lifts a block. */
  public void unblock(String userId) throws IOException {
    call("/user/unblock.json").param("userId", userId).send().checked();
  }

  /**
   * Sends a message from {@code fromUserId} to each recipient, as the app server ({@code
   * /message/private/publish.json}).
   */
  public void publishPrivate(String fromUserId, List<String> toUserIds, String objectName, String content)
      throws IOException {
    Call call = call("/message/private/publish.json").param("fromUserId", fromUserId)
        .param("objectName", objectName).param("content", content);
    for (String to : toUserIds) {
      call.param("toUserId", to);
    }
    call.send().checked();
  }

  /** Whether the user has a live session. */
  public boolean checkOnline(String userId) throws IOException {
    return "1".equals(call("/user/checkOnline.json").param("userId", userId).send().checked().get("status").asText());
  }

  /** A call to {@code path}, signed by default; every part can be overridden (for tests). */
  public Call call(String path) {
    return new Call(path);
  }

  /** A response: HTTP status and JSON body. */
  public record Response(int status, JsonNode body) {
    /** The body if {@code code} is 200; otherwise throws {@link ServerApiException}. */
    public JsonNode checked() throws ServerApiException {
      if (status == 200 && body.path("code").asInt() == 200) {
        return body;
      }
      throw new ServerApiException(status, body.path("code").asInt(), body.path("errorMessage").asText("(no message)"));
    }
  }

  /** One API request being prepared. Not thread-safe. */
  public final class Call {
    private final String path;
    private final List<Map.Entry<String, String>> form = new ArrayList<>();
    private String nonce;
    private String timestamp;
    private String signature;
    private String key = appKey;

    private Call(String path) {
      this.path = path;
    }

    public Call param(String name, String value) {
      form.add(Map.entry(name, value));
      return this;
    }

    public Call nonce(String nonce) {
      this.nonce = nonce;
      return this;
    }

    /** Sends this Timestamp in milliseconds since the epoch (the server accepts both units). */
    public Call timestamp(long epochMillis) {
      this.timestamp = Long.toString(epochMillis);
      return this;
    }

    /** Sends this Timestamp in seconds since the epoch, instead of the clock's. */
    public Call timestampSeconds(long epochSeconds) {
      this.timestamp = Long.toString(epochSeconds);
      return this;
    }

    /** Sends this exact Timestamp header, valid or not; it is signed as given. */
    public Call timestamp(String raw) {
      this.timestamp = Objects.requireNonNull(raw, "raw");
      return this;
    }

    public Call signature(String signature) {
      this.signature = signature;
      return this;
    }

    public Call appKey(String appKey) {
      this.key = appKey;
      return this;
    }

    /** Sends the request and reads the response, whatever its status. */
    public Response send() throws IOException {
      String n = nonce != null ? nonce : newNonce();
      String t = timestamp != null ? timestamp : Long.toString(Math.floorDiv(clock.millis(), 1000L));
      String s = signature != null ? signature : ServerApiClient.signature(appSecret, n, t);
      StringBuilder body = new StringBuilder();
      for (Map.Entry<String, String> e : form) {
        if (body.length() > 0) {
          body.append('&');
        }
        body.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
            .append('=')
            .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
      }
      HttpURLConnection c = (HttpURLConnection) base.resolve(path).toURL().openConnection();
      if (tls != null && c instanceof javax.net.ssl.HttpsURLConnection https) {
        https.setSSLSocketFactory(tls.getSocketFactory());
      }
      try {
        c.setConnectTimeout((int) timeout.toMillis());
        c.setReadTimeout((int) timeout.toMillis());
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/x-www-form-urlencoded");
        c.setRequestProperty("App-Key", key);
        c.setRequestProperty("Nonce", n);
        c.setRequestProperty("Timestamp", t);
        c.setRequestProperty("Signature", s);
        try (OutputStream out = c.getOutputStream()) {
          out.write(body.toString().getBytes(StandardCharsets.UTF_8));
        }
        int status = c.getResponseCode();
        try (InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream()) {
          byte[] bytes = in == null ? new byte[0] : in.readAllBytes();
          JsonNode parsed = bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
          return new Response(status, parsed);
        }
      } finally {
        c.disconnect();
      }
    }
  }

  /** A nonce shaped like the commercial SDK's ({@code Math.random() * 1e6}): 6 + 16 random digits. */
  private String newNonce() {
    return random.nextInt(1_000_000) + "." + String.format(Locale.ROOT, "%016d", random.nextLong(10_000_000_000_000_000L));
  }
}
