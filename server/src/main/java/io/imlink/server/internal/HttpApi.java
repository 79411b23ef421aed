package io.imlink.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.imlink.api.ErrorCode;
import io.imlink.api.Limits;
import io.imlink.server.ServerApiClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signed HTTP API, wire-compatible with the commercial server API for the operations
 * implemented: {@code POST}, form-encoded bodies, headers {@code App-Key}, {@code Nonce}, {@code
 * Timestamp} and {@code Signature} = lower-case hex SHA1(AppSecret + Nonce + Timestamp), JSON
 * answers with {@code "code": 200} on success. The timestamp is in seconds, as the commercial server
 * SDK sends it, or in milliseconds (told apart by magnitude: {@link #SECONDS_BELOW}).
 *
 * <p>A missing or wrong signature, an unknown app key, a timestamp that is not a non-negative
 * integer or is more than 5 minutes away from the server clock, or a nonce used again within twice
 * that window gets HTTP 401 with {@code {"code":1004, "errorMessage":...}}; an unknown app key and a
 * wrong signature with the same message ({@link #AUTH_FAILED}). Bad parameters get HTTP
 * 400 with code 1002 (1005 for a value over its limit); a body over {@link #MAX_BODY} HTTP 413 with
 * code 1005; an unknown path 404.
 *
 * <p>Threads: requests run on the given executor; handlers may block on the state database.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  /**
   * How far a request timestamp may be from the server clock, either way; a nonce is remembered for
   * twice as long.
   */
  public static final Duration WINDOW = Duration.ofMinutes(5);
  /**
   * Timestamps below this (10^11) are seconds since the epoch, others milliseconds. 10^11 seconds is
   * in the year 5138 and 10^11 milliseconds in 1973, so no timestamp near a present-day clock is
   * ambiguous.
   */
  public static final long SECONDS_BELOW = 100_000_000_000L;
  /**
   * The largest request body, in bytes (660 760). Derived from the largest publish, form-encoded
   * with every byte as {@code %XX} (3 bytes): {@code content=} with {@link Limits#MAX_CONTENT_BYTES}
   * bytes, and {@code MAX_RECIPIENTS} (1000) {@code &toUserId=} of {@link Limits#MAX_ID_BYTES}
   * bytes; plus 64 KiB for the rest: {@code fromUserId} (204 bytes encoded), {@code objectName} (64
   * characters: at most 588) and the fields the commercial SDK may add that this API ignores
   * ({@code pushContent}, {@code pushData}, {@code isPersisted}…). Larger bodies get 413 with code
   * 1005, before they are read when their Content-Length says so.
   */
  public static final int MAX_BODY = 3 * Limits.MAX_CONTENT_BYTES + "content=".length()
      + HttpApi.MAX_RECIPIENTS * ("&toUserId=".length() + 3 * Limits.MAX_ID_BYTES) // qualified: declared below
      + 64 * 1024;
  private static final int MAX_USERS_PER_CALL = 20;
  private static final int MAX_NONCE = 64;

  static final int OK = 200;
  static final int INTERNAL_ERROR = 1000;
  static final int BAD_PARAMETER = 1002;
  static final int BAD_SIGNATURE = 1004;
  static final int TOO_LONG = 1005;

  private final ServerContext ctx;
  private final Clock clock;
  private final HttpServer http;
  private final NonceCache nonces;
  private final ObjectMapper json = new ObjectMapper();

  /**
   * The JDK HTTP server writes a response's headers and body separately without TCP_NODELAY, so
   * Nagle's algorithm and the client's delayed ACK add 40 ms to every call. Its only switch is this
   * system property, read once per JVM when the first server starts: set it unless the
   * application decided otherwise.
   */
  static void preferNoDelay() {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  public HttpApi(ServerContext ctx, InetSocketAddress address, ExecutorService executor) throws IOException {
    preferNoDelay();
    this.ctx = ctx;
    this.clock = ctx.clock();
    this.nonces = new NonceCache(WINDOW.multipliedBy(2));
    this.http = HttpServer.create(address, 128);
    http.setExecutor(executor);
    http.createContext("/", this::handle);
    http.start();
  }

  /** The base URI of the API, with the port actually bound. */
  public URI uri() {
    InetSocketAddress a = http.getAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort());
  }

  @Override
  public void close() {
    http.stop(0);
  }

  /** A failed request: HTTP status, API code and message. */
  static final class ApiError extends Exception {
    private static final long serialVersionUID = 1L;
    final int status;
    final int code;

    ApiError(int status, int code, String message) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      ObjectNode result;
      int status = 200;
      try {
        result = dispatch(exchange);
      } catch (ApiError e) {
        status = e.status;
        result = json.createObjectNode().put("code", e.code).put("errorMessage", e.getMessage());
      } catch (IOException | RuntimeException e) {
        log.error("HTTP API request {} failed", exchange.getRequestURI(), e);
        status = 500;
        result = json.createObjectNode().put("code", INTERNAL_ERROR).put("errorMessage", "internal error");
      }
      byte[] body = json.writeValueAsBytes(result);
      exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private ObjectNode dispatch(HttpExchange exchange) throws ApiError, IOException {
    String path = exchange.getRequestURI().getPath();
    Endpoint endpoint = switch (path) {
      case "/user/getToken.json" -> this::getToken;
      case "/user/token/expire.json" -> this::expireTokens;
      case "/user/block.json" -> this::block;
      case "/user/unblock.json" -> this::unblock;
      case "/user/checkOnline.json" -> this::checkOnline;
      case "/message/private/publish.json" -> this::publish;
      default -> null;
    };
    if (endpoint == null) {
      throw new ApiError(404, 404, "no API at " + path);
    }
    if (!"POST".equals(exchange.getRequestMethod())) {
      throw new ApiError(405, BAD_PARAMETER, "use POST");
    }
    String appKey = authenticate(exchange);
    Map<String, List<String>> form = parseForm(exchange);
    return endpoint.handle(appKey, form);
  }

  @FunctionalInterface
  private interface Endpoint {
    ObjectNode handle(String appKey, Map<String, List<String>> form) throws ApiError, IOException;
  }

  /**
   * What a refusal says when the App-Key is unknown or the signature does not match: one message
   * for both, so that the answer never tells a caller without the secret whether it guessed a valid
   * app key. The reason is logged at debug level.
   */
  static final String AUTH_FAILED = "authentication failed: check App-Key, Nonce, Timestamp and Signature";
  /** Signs for an unknown App-Key, so that its refusal costs the same work as a wrong signature's. */
  private static final String NO_SECRET = "no app has this secret";

  /**
   * Checks the signature headers; returns the app key.
   *
   * <p>The timestamp is seconds since the epoch (what the commercial server SDK sends) or
   * milliseconds, told apart by {@link #SECONDS_BELOW}. It must be within {@link #WINDOW} of the
   * server clock on either side, bounds included. A request first seen at server time {@code t}
   * therefore has a timestamp of at most {@code t + WINDOW}, which stays acceptable until {@code t +
   * 2 × WINDOW}: the nonce is remembered through then, keyed by app key and nonce alone, so the same
   * nonce with another timestamp is a replay too.
   *
   * <p>What a refusal says: an unknown App-Key and a wrong signature get the same {@link
   * #AUTH_FAILED}, or the answer would confirm valid app keys. The other refusals keep their own
   * message, because they reveal nothing secret: missing headers, a malformed Nonce or Timestamp and
   * one outside the window are checked first, from the request and the server clock alone (which
   * every response's Date header shows), so they read the same whatever the App-Key; a reused nonce
   * is only reported to a request whose signature verified, that is to the secret's holder or to
   * someone replaying a request they captured, who knew that already.
   */
  private String authenticate(HttpExchange exchange) throws ApiError {
    String appKey = exchange.getRequestHeaders().getFirst("App-Key");
    String nonce = exchange.getRequestHeaders().getFirst("Nonce");
    String timestamp = exchange.getRequestHeaders().getFirst("Timestamp");
    String signature = exchange.getRequestHeaders().getFirst("Signature");
    if (appKey == null || nonce == null || timestamp == null || signature == null) {
      throw refused(exchange, "App-Key, Nonce, Timestamp and Signature headers are required", "missing headers");
    }
    if (nonce.isEmpty() || nonce.length() > MAX_NONCE) {
      throw refused(exchange, "Nonce must be 1 to " + MAX_NONCE + " characters", "bad nonce");
    }
    long ts = timestampMillis(exchange, timestamp);
    long now = clock.millis();
    long window = WINDOW.toMillis();
    if (ts < saturatedAdd(now, -window) || ts > saturatedAdd(now, window)) {
      throw refused(exchange, "Timestamp is more than 5 minutes away from the server clock",
          "timestamp outside the window");
    }
    String secret = ctx.tokens().secret(appKey);
    byte[] expected = ServerApiClient.signature(secret != null ? secret : NO_SECRET, nonce, timestamp)
        .getBytes(StandardCharsets.US_ASCII);
    byte[] given = signature.toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII);
    boolean matches = MessageDigest.isEqual(expected, given);
    if (secret == null || !matches) {
      throw refused(exchange, AUTH_FAILED, secret == null ? "unknown App-Key" : "signature mismatch");
    }
    if (!nonces.firstUse(appKey + "\n" + nonce, now)) {
      throw refused(exchange, "Nonce already used", "nonce reused");
    }
    return appKey;
  }

  /** A 401 / 1004 refusal saying {@code message}; the real {@code reason} goes to the debug log. */
  private static ApiError refused(HttpExchange exchange, String message, String reason) {
    if (log.isDebugEnabled()) {
      String appKey = exchange.getRequestHeaders().getFirst("App-Key");
      if (appKey != null && appKey.length() > Limits.MAX_ID_BYTES) {
        appKey = appKey.substring(0, Limits.MAX_ID_BYTES) + "…";
      }
      log.debug("HTTP API {} from {} refused: {} (App-Key {})", exchange.getRequestURI().getPath(),
          exchange.getRemoteAddress(), reason, appKey == null ? "none" : "'" + appKey + "'");
    }
    return new ApiError(401, BAD_SIGNATURE, message);
  }

  /** The Timestamp header in epoch milliseconds: a non-negative integer, seconds below {@link #SECONDS_BELOW}. */
  private static long timestampMillis(HttpExchange exchange, String timestamp) throws ApiError {
    long ts;
    try {
      ts = Long.parseLong(timestamp);
    } catch (NumberFormatException e) {
      ts = -1;
    }
    if (ts < 0) {
      throw refused(exchange, "Timestamp must be a non-negative integer: seconds (or milliseconds) since the epoch",
          "malformed timestamp");
    }
    return ts < SECONDS_BELOW ? Math.multiplyExact(ts, 1000L) : ts; // below 10^11: cannot overflow
  }

  /** {@code a + b}, or Long.MIN_VALUE / Long.MAX_VALUE where that overflows. */
  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    if (((a ^ sum) & (b ^ sum)) < 0) {
      return b < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return sum;
  }

  private Map<String, List<String>> parseForm(HttpExchange exchange) throws ApiError, IOException {
    long declared = declaredLength(exchange);
    if (declared > MAX_BODY) { // refused unread
      throw new ApiError(413, TOO_LONG, "request body over " + MAX_BODY + " bytes (Content-Length " + declared + ")");
    }
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) {
      throw new ApiError(413, TOO_LONG, "request body over " + MAX_BODY + " bytes");
    }
    return parseForm(body);
  }

  /**
   * An {@code application/x-www-form-urlencoded} body: {@code &}-separated {@code key=value} pairs,
   * {@code +} for a space, {@code %XX} for a byte. Keys and values are percent-decoded to bytes and
   * those bytes must be UTF-8: anything else is refused with 1002 rather than read as U+FFFD, which
   * would make different values (say {@code %ff} and {@code %fe}) the same user id.
   * Package-private for {@code HttpApiFormFuzzTest}.
   */
  static Map<String, List<String>> parseForm(byte[] body) throws ApiError {
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    Map<String, List<String>> form = new LinkedHashMap<>();
    for (int start = 0; start < body.length; ) {
      int end = indexOf(body, (byte) '&', start, body.length);
      if (end > start) {
        int eq = indexOf(body, (byte) '=', start, end); // end if the field has no '='
        String key = formComponent(body, start, eq, utf8);
        if (key == null) {
          throw new ApiError(400, BAD_PARAMETER, "a form field name is not valid UTF-8");
        }
        String value = eq == end ? "" : formComponent(body, eq + 1, end, utf8);
        if (value == null) {
          throw new ApiError(400, BAD_PARAMETER,
              (Limits.isId(key) ? key : "a form value") + " is not valid UTF-8");
        }
        form.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      }
      start = end + 1;
    }
    return form;
  }

  /** The first index of {@code b} in {@code bytes[from, to)}, or {@code to} for none. */
  private static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return to;
  }

  /** {@code bytes[from, to)} percent-decoded and read as UTF-8; null if the bytes are not UTF-8. */
  private static String formComponent(byte[] bytes, int from, int to, CharsetDecoder utf8) throws ApiError {
    byte[] decoded = new byte[to - from];
    int n = 0;
    for (int i = from; i < to; i++) {
      byte b = bytes[i];
      if (b == '+') {
        decoded[n++] = ' ';
      } else if (b == '%') {
        int hi = i + 2 < to ? hexDigit(bytes[i + 1]) : -1;
        int lo = i + 2 < to ? hexDigit(bytes[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          throw new ApiError(400, BAD_PARAMETER, "malformed form body");
        }
        decoded[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else {
        decoded[n++] = b;
      }
    }
    try {
      return utf8.decode(ByteBuffer.wrap(decoded, 0, n)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static int hexDigit(byte b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    }
    if (b >= 'a' && b <= 'f') {
      return b - 'a' + 10;
    }
    if (b >= 'A' && b <= 'F') {
      return b - 'A' + 10;
    }
    return -1;
  }

  /** The request's Content-Length, or -1 without one (chunked); the read stays bounded either way. */
  private static long declaredLength(HttpExchange exchange) {
    String value = exchange.getRequestHeaders().getFirst("Content-Length");
    try {
      return value == null ? -1 : Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1; // the JDK server answers 400 to these before any handler runs
    }
  }

  private static String single(Map<String, List<String>> form, String name, boolean required) throws ApiError {
    List<String> values = form.get(name);
    if (values == null || values.isEmpty() || values.get(0).isEmpty()) {
      if (required) {
        throw new ApiError(400, BAD_PARAMETER, name + " is required");
      }
      return null;
    }
    if (values.size() > 1) {
      throw new ApiError(400, BAD_PARAMETER, name + " must be given once");
    }
    return values.get(0);
  }

  private static String userId(String value) throws ApiError {
    if (!Limits.isId(value)) {
      throw new ApiError(400, TOO_LONG, "userId must be 1 to " + Limits.MAX_ID_BYTES + " UTF-8 bytes");
    }
    return value;
  }

  private static List<String> userIds(Map<String, List<String>> form) throws ApiError {
    List<String> values = form.getOrDefault("userId", List.of());
    if (values.isEmpty()) {
      throw new ApiError(400, BAD_PARAMETER, "userId is required");
    }
    if (values.size() > MAX_USERS_PER_CALL) {
      throw new ApiError(400, BAD_PARAMETER, "at most " + MAX_USERS_PER_CALL + " userId per call");
    }
    List<String> out = new ArrayList<>();
    for (String v : values) {
      out.add(userId(v));
    }
    return out;
  }

  private static long number(String value, String name, long min, long max) throws ApiError {
    return number(value, name, min, max, "");
  }

  /** A number from {@code min} to {@code max}; {@code why} follows the bounds in the refusal. */
  private static long number(String value, String name, long min, long max, String why) throws ApiError {
    try {
      long n = Long.parseLong(value);
      if (n < min || n > max) {
        throw new ApiError(400, BAD_PARAMETER, name + " must be from " + min + " to " + max + why);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ApiError(400, BAD_PARAMETER, name + " must be a number");
    }
  }

  private ObjectNode ok() {
    return json.createObjectNode().put("code", OK);
  }

  private ObjectNode getToken(String appKey, Map<String, List<String>> form) throws ApiError, IOException {
    String userId = userId(single(form, "userId", true));
    String name = single(form, "name", false);
    String portrait = single(form, "portraitUri", false);
    ctx.state().upsertUser(new UserKey(appKey, userId), name, portrait, clock.millis());
    return ok().put("userId", userId).put("token", ctx.tokens().issue(appKey, userId));
  }

  private ObjectNode expireTokens(String appKey, Map<String, List<String>> form) throws ApiError, IOException {
    List<String> users = userIds(form);
    // Revoking up to a time far ahead would refuse every token issued until then (Long.MAX_VALUE:
    // for ever), and revocations never move back: at most the clock window ahead, as a signed
    // request's own timestamp may be.
    long latest = saturatedAdd(clock.millis(), WINDOW.toMillis());
    long time = number(single(form, "time", true), "time", 0, latest,
        " (ms since the epoch: at most " + WINDOW.toMinutes() + " minutes after the server clock)");
    for (String u : users) {
      // Live sessions stay up; the next (re)connect with an older token fails with 31004.
      ctx.state().revokeTokens(new UserKey(appKey, u), time);
    }
    return ok();
  }

  private ObjectNode block(String appKey, Map<String, List<String>> form) throws ApiError, IOException {
    List<String> users = userIds(form);
    long minutes = number(single(form, "minute", true), "minute", 1, 43_200);
    long until = clock.millis() + Duration.ofMinutes(minutes).toMillis();
    for (String u : users) {
      UserKey user = new UserKey(appKey, u);
      ctx.state().block(user, until);
      for (ServerSession s : ctx.sessions().sessions(user)) {
        s.disconnect(ErrorCode.CONN_USER_BLOCKED.code(), "user blocked for " + minutes + " min");
      }
    }
    return ok();
  }

  private ObjectNode unblock(String appKey, Map<String, List<String>> form) throws ApiError, IOException {
    for (String u : userIds(form)) {
      ctx.state().unblock(new UserKey(appKey, u));
    }
    return ok();
  }

  private static final int MAX_RECIPIENTS = 1000;

  private ObjectNode publish(String appKey, Map<String, List<String>> form) throws ApiError, IOException {
    String from = userId(single(form, "fromUserId", true));
    List<String> to = form.getOrDefault("toUserId", List.of());
    if (to.isEmpty()) {
      throw new ApiError(400, BAD_PARAMETER, "toUserId is required");
    }
    if (to.size() > MAX_RECIPIENTS) {
      throw new ApiError(400, BAD_PARAMETER, "at most " + MAX_RECIPIENTS + " toUserId per call");
    }
    List<String> recipients = new ArrayList<>();
    for (String u : to) {
      recipients.add(userId(u));
    }
    String objectName = single(form, "objectName", true);
    String content = single(form, "content", true);
    try {
      ctx.router().publish(appKey, from, recipients, objectName, content, null).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while storing the message", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof MessageRouter.Refused refused) {
        throw refused.code() == ErrorCode.MSG_SIZE_OUT_OF_LIMIT.code()
            ? new ApiError(400, TOO_LONG, "content must be at most " + Limits.MAX_CONTENT_BYTES + " UTF-8 bytes")
            : new ApiError(400, TOO_LONG, "objectName must be 1 to " + Limits.MAX_ID_BYTES + " UTF-8 bytes");
      }
      throw new IOException("storing the message failed", e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("storing the message took over 30 s", e);
    }
    return ok();
  }

  private ObjectNode checkOnline(String appKey, Map<String, List<String>> form) throws ApiError {
    String userId = userId(single(form, "userId", true));
    return ok().put("status", ctx.sessions().isOnline(new UserKey(appKey, userId)) ? "1" : "0");
  }
}
