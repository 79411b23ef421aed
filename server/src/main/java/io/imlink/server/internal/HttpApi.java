package io.imlink.server.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imlink.api.ErrorCode;
import io.imlink.api.Limits;
import io.imlink.server.ServerApiClient;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
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
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
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
 * <p>Served by Netty's HTTP codec ({@link HttpApiConnection} per connection, see {@link Options} for
 * the timeouts and caps): one I/O thread reads and writes; the endpoints, which may block on the
 * state database, run on a bounded pool of worker threads of their own, never on the I/O thread.
 *
 * <p>Threads: the constructor blocks until bound; {@link #uri()} and {@link #close()} may be called
 * from any thread, {@code close} once or more (it blocks until the threads have stopped).
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  /**
   * How far a request timestamp may be from the server clock, either way; a nonce is remembered for
   * twice as long.
   */
  public static final Duration WINDOW = Duration.ofMinutes(5);

  /** How long a nonce stays used: twice the window, so a timestamp at either edge is covered. */
  private static final long NONCE_RETENTION_MS = WINDOW.multipliedBy(2).toMillis();
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
   * 1005, before they are read when their Content-Length says so, and as soon as a chunked body
   * passes the limit.
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

  /**
   * How the API is served: its timeouts, caps and worker pool, and TLS. Every value is checked at
   * construction; {@link #defaults()} holds the defaults, the one place they are written.
   * Immutable: any thread, any number of calls, nothing blocks.
   *
   * @param headerTimeout from the accept (or, on a kept-alive connection, from the first byte of the
   *     next request) until the request line and headers are in; then 408 and the connection closes
   * @param bodyTimeout from the end of the headers until the whole body is in; then 408 and close
   * @param idleTimeout how long a kept-alive connection may wait for its next request; then it closes
   * @param maxConnections connections open at once; one more is answered 503 (code 1000) and closed
   * @param workerThreads threads that run the endpoints (they block on SQLite)
   * @param workerQueue requests that may wait for a worker; one more is answered 503 (code 1000)
   * @param sslContext serves HTTPS with this context when not null
   */
  public record Options(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout, int maxConnections,
      int workerThreads, int workerQueue, SSLContext sslContext) {
    public Options {
      positive(headerTimeout, "headerTimeout");
      positive(bodyTimeout, "bodyTimeout");
      positive(idleTimeout, "idleTimeout");
      if (maxConnections < 1 || workerThreads < 1 || workerQueue < 1) {
        throw new IllegalArgumentException("maxConnections, workerThreads and workerQueue must be at least 1, got "
            + maxConnections + ", " + workerThreads + ", " + workerQueue);
      }
    }

    /** 10 s for the headers, 30 s for the body, 60 s idle, 1024 connections, 4 workers, 256 waiting, no TLS. */
    public static Options defaults() {
      return new Options(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), 1024, 4, 256, null);
    }

    public Options withSslContext(SSLContext context) {
      return new Options(headerTimeout, bodyTimeout, idleTimeout, maxConnections, workerThreads, workerQueue, context);
    }

    private static void positive(Duration d, String name) {
      Objects.requireNonNull(d, name);
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
    }
  }

  private final ServerContext ctx;
  private final Clock clock;
  private final ObjectMapper json = new ObjectMapper();
  private final Options options;
  private final MultiThreadIoEventLoopGroup io;
  private final ThreadPoolExecutor workers;
  private final ChannelGroup channels = new DefaultChannelGroup("imlink-http", GlobalEventExecutor.INSTANCE);
  private final AtomicInteger open = new AtomicInteger();
  private final Channel server;

  /** Binds {@code address} and serves the API; blocks until bound. */
  public HttpApi(ServerContext ctx, InetSocketAddress address, Options options) throws IOException {
    this.ctx = ctx;
    this.clock = ctx.clock();
    this.options = Objects.requireNonNull(options, "options");
    this.workers = new ThreadPoolExecutor(options.workerThreads(), options.workerThreads(), 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(options.workerQueue()), new DefaultThreadFactory("imlink-server-http-worker", true),
        new ThreadPoolExecutor.AbortPolicy());
    workers.prestartAllCoreThreads();
    this.io = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("imlink-server-http-io", true),
        NioIoHandler.newFactory());
    // An accept that fails (EMFILE: out of file descriptors) does not close the server channel:
    // Netty's ServerBootstrap acceptor stops accepting for 1 s and then tries again, so the API
    // serves again once descriptors are free (HttpApiLimitsTest).
    ServerBootstrap bootstrap = new ServerBootstrap()
        .group(io)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 128)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            channels.add(ch);
            boolean over = open.incrementAndGet() > options.maxConnections();
            ch.closeFuture().addListener(f -> open.decrementAndGet());
            if (options.sslContext() != null) {
              SSLEngine engine = options.sslContext().createSSLEngine();
              engine.setUseClientMode(false);
              SslHandler ssl = new SslHandler(engine);
              ssl.setHandshakeTimeoutMillis(options.headerTimeout().toMillis());
              ch.pipeline().addLast("ssl", ssl);
            }
            HttpApiConnection.configure(ch.pipeline(), HttpApi.this, over);
          }
        });
    ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      shutdownThreads();
      Throwable cause = bound.cause();
      throw cause instanceof IOException e ? e : new IOException("cannot serve the HTTP API on " + address + ": " + cause, cause);
    }
    this.server = bound.channel();
  }

  Options options() {
    return options;
  }

  Clock clock() {
    return clock;
  }

  ThreadPoolExecutor workers() {
    return workers;
  }

  ObjectMapper json() {
    return json;
  }

  /** The base URI of the API, with the port actually bound: {@code https} when served with TLS. */
  public URI uri() {
    InetSocketAddress a = (InetSocketAddress) server.localAddress();
    String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create((options.sslContext() != null ? "https" : "http") + "://" + host + ":" + a.getPort());
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly();
    channels.close().awaitUninterruptibly();
    shutdownThreads();
  }

  private void shutdownThreads() {
    workers.shutdownNow();
    io.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A request whose headers and body are in. */
  record Request(String method, String path, HttpHeaders headers, SocketAddress remote, byte[] body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  /** An answer: HTTP status and JSON body. */
  record Answer(int status, byte[] body) {}

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

  /** The error as the API answers it: {@code {"code":…,"errorMessage":…}} with its HTTP status. */
  Answer error(ApiError e) {
    return answer(e.status, json.createObjectNode().put("code", e.code).put("errorMessage", e.getMessage()));
  }

  private Answer answer(int status, ObjectNode result) {
    try {
      return new Answer(status, json.writeValueAsBytes(result));
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree that cannot be written", e);
    }
  }

  /**
   * What can be decided from the request line and headers alone, on the I/O thread: an unknown path
   * (404), a method other than POST (405), a Content-Length over {@link #MAX_BODY} (413). Null if
   * the request may go on.
   */
  ApiError checkHead(String method, String path, long declaredLength) {
    if (endpoint(path) == null) {
      return new ApiError(404, 404, "no API at " + path);
    }
    if (!"POST".equals(method)) {
      return new ApiError(405, BAD_PARAMETER, "use POST");
    }
    if (declaredLength > MAX_BODY) { // refused unread
      return new ApiError(413, TOO_LONG, "request body over " + MAX_BODY + " bytes (Content-Length " + declaredLength + ")");
    }
    return null;
  }

  /** A whole request, on a worker thread: authenticates it, parses its form and runs its endpoint. */
  Answer handle(Request request) {
    try {
      Endpoint endpoint = endpoint(request.path());
      String appKey = authenticate(request);
      Map<String, List<String>> form = parseForm(request.body());
      return answer(200, endpoint.handle(appKey, form));
    } catch (ApiError e) {
      return error(e);
    } catch (IOException | RuntimeException e) {
      log.error("HTTP API request {} failed", request.path(), e);
      return answer(500, json.createObjectNode().put("code", INTERNAL_ERROR).put("errorMessage", "internal error"));
    }
  }

  private Endpoint endpoint(String path) {
    return switch (path) {
      case "/user/getToken.json" -> this::getToken;
      case "/user/token/expire.json" -> this::expireTokens;
      case "/user/block.json" -> this::block;
      case "/user/unblock.json" -> this::unblock;
      case "/user/checkOnline.json" -> this::checkOnline;
      case "/message/private/publish.json" -> this::publish;
      default -> null;
    };
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
  private String authenticate(Request exchange) throws ApiError, IOException {
    String appKey = exchange.header("App-Key");
    String nonce = exchange.header("Nonce");
    String timestamp = exchange.header("Timestamp");
    String signature = exchange.header("Signature");
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
    boolean fresh;
    try {
      fresh = ctx.nonces().firstUse(appKey + "\n" + nonce, now, NONCE_RETENTION_MS);
    } catch (IOException e) {
      throw new IOException("the nonce store failed: " + e.getMessage(), e);
    }
    if (!fresh) {
      throw refused(exchange, "Nonce already used", "nonce reused");
    }
    return appKey;
  }

  /** A 401 / 1004 refusal saying {@code message}; the real {@code reason} goes to the debug log. */
  private static ApiError refused(Request exchange, String message, String reason) {
    if (log.isDebugEnabled()) {
      String appKey = exchange.header("App-Key");
      if (appKey != null && appKey.length() > Limits.MAX_ID_BYTES) {
        appKey = appKey.substring(0, Limits.MAX_ID_BYTES) + "…";
      }
      log.debug("HTTP API {} from {} refused: {} (App-Key {})", exchange.path(),
          exchange.remote(), reason, appKey == null ? "none" : "'" + appKey + "'");
    }
    return new ApiError(401, BAD_SIGNATURE, message);
  }

  /** The Timestamp header in epoch milliseconds: a non-negative integer, seconds below {@link #SECONDS_BELOW}. */
  private static long timestampMillis(Request exchange, String timestamp) throws ApiError {
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
    ctx.state().upsertUser(appKey, userId, name, portrait, clock.millis());
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
      ctx.state().revokeTokens(appKey, u, time);
    }
    return ok();
  }

  private ObjectNode block(String appKey, Map<String, List<String>> form) throws ApiError, IOException {
    List<String> users = userIds(form);
    long minutes = number(single(form, "minute", true), "minute", 1, 43_200);
    long until = clock.millis() + Duration.ofMinutes(minutes).toMillis();
    for (String u : users) {
      UserKey user = new UserKey(appKey, u);
      ctx.state().block(user.appKey(), user.userId(), until);
      String reason = "user blocked for " + minutes + " min";
      for (ServerSession s : ctx.sessions().sessions(user)) {
        s.disconnect(ErrorCode.CONN_USER_BLOCKED.code(), reason);
      }
      ctx.cluster().disconnectUser(appKey, u, ErrorCode.CONN_USER_BLOCKED.code(), reason);
    }
    return ok();
  }

  private ObjectNode unblock(String appKey, Map<String, List<String>> form) throws ApiError, IOException {
    for (String u : userIds(form)) {
      ctx.state().unblock(appKey, u);
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

  private ObjectNode checkOnline(String appKey, Map<String, List<String>> form) throws ApiError, IOException {
    String userId = userId(single(form, "userId", true));
    return ok().put("status", ctx.cluster().isOnline(appKey, userId) ? "1" : "0");
  }
}
