package io.imlink.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.tls.ServerTls;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP API under hostile or heavy use: slow clients, connection floods, a full worker pool,
 * running out of file descriptors, keep-alive, TLS. Each server here has short timeouts of its own,
 * so that nothing waits for the defaults.
 */
class HttpApiLimitsTest {
  private static final String KEY = "app-key";
  private static final String SECRET = "app-secret-0123";

  @TempDir Path tmp;
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
  }

  private ImServer start(Consumer<ImServer.Builder> configure) throws IOException {
    ImServer.Builder b = ImServer.builder().app(KEY, SECRET)
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).dataDirectory(tmp);
    configure.accept(b);
    ImServer server = b.build().start();
    cleanup.add(server);
    return server;
  }

  private static ServerApiClient client(ImServer server, Duration timeout) {
    return new ServerApiClient(server.httpApiUri().orElseThrow(), KEY, SECRET, Clock.systemUTC(), timeout);
  }

  private Socket connect(ImServer server) throws IOException {
    URI base = server.httpApiUri().orElseThrow();
    Socket s = new Socket(base.getHost(), base.getPort());
    s.setSoTimeout(10_000); // a server that never answers fails the test, not hangs it
    cleanup.add(s);
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }

  /** Everything the server sends until it closes the connection. */
  private static String readToEnd(Socket s) throws IOException {
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
  }

  private static String signedGetToken(String userId, String nonce, String extraHeaders) {
    String ts = Long.toString(System.currentTimeMillis() / 1000);
    String body = "userId=" + userId;
    return "POST /user/getToken.json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        + "App-Key: " + KEY + "\r\nNonce: " + nonce + "\r\nTimestamp: " + ts + "\r\n"
        + "Signature: " + ServerApiClient.signature(SECRET, nonce, ts) + "\r\n" + extraHeaders
        + "Content-Length: " + body.length() + "\r\n\r\n" + body;
  }

  /** One response read from a kept-alive connection: its head and body. */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("closed after " + head);
      }
      head.write(c);
    }
    String h = head.toString(StandardCharsets.ISO_8859_1);
    int length = Integer.parseInt(h.replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
    return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }

  /**
   * Slowloris: two connections that send part of a request head and then nothing, and one whose
   * head promises 60,000 bytes of body that never come, hold no thread: other calls are answered
   * at once meanwhile (the JDK server kept both its threads on them, and every call waited over 180 s).
   */
  @Test
  void slowClientsDoNotDelayOtherCalls() throws Exception {
    ImServer server = start(b -> {});
    for (int i = 0; i < 2; i++) {
      send(connect(server), "POST /user/getToken.json HTTP/1.1\r\nHost: x\r\n");
    }
    String head = signedGetToken("slow", "slow-body", "").replaceAll("Content-Length: \\d+\r\n\r\nuserId=slow$", "");
    send(connect(server), head + "Content-Length: 60000\r\n\r\n");
    ServerApiClient api = client(server, Duration.ofSeconds(3));
    long worst = 0;
    for (int i = 0; i < 10; i++) {
      long t0 = System.nanoTime();
      assertThat(api.getToken("user-" + i)).isNotEmpty();
      worst = Math.max(worst, System.nanoTime() - t0);
    }
    System.out.printf("slowloris: 10 calls answered, the slowest in %d ms, while 3 slow connections were held%n",
        TimeUnit.NANOSECONDS.toMillis(worst));
  }

  /** A head or a body that does not arrive within its timeout is answered 408 and the connection closed. */
  @Test
  void aHeadOrBodyNotInOnTimeIs408AndClosed() throws Exception {
    ImServer server = start(b -> b.httpApiTimeouts(Duration.ofMillis(300), Duration.ofMillis(300), Duration.ofSeconds(5)));
    Socket slowHead = connect(server);
    send(slowHead, "POST /user/getToken.json HTTP/1.1\r\nHost: x\r\n");
    Socket slowBody = connect(server);
    String head = signedGetToken("slow", "slow-body", "").replaceAll("Content-Length: \\d+\r\n\r\nuserId=slow$", "");
    send(slowBody, head + "Content-Length: 60000\r\n\r\nuserId=");
    long t0 = System.nanoTime();
    String headAnswer = readToEnd(slowHead);
    String bodyAnswer = readToEnd(slowBody);
    assertThat(headAnswer).startsWith("HTTP/1.1 408").contains("\"code\":1002").contains("request headers not received within 300 ms");
    assertThat(bodyAnswer).startsWith("HTTP/1.1 408").contains("\"code\":1002").contains("request body not received within 300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
  }

  /** A kept-alive connection serves several calls, then closes once it has been idle for its timeout. */
  @Test
  void keepAliveServesSeveralCallsThenTheIdleTimeoutClosesIt() throws Exception {
    ImServer server = start(b -> b.httpApiTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMillis(300)));
    Socket s = connect(server);
    InputStream in = s.getInputStream();
    for (int i = 0; i < 3; i++) {
      send(s, signedGetToken("k" + i, "keep-" + i, ""));
      assertThat(readResponse(in)).startsWith("HTTP/1.1 200").contains("\"userId\":\"k" + i + "\"");
    }
    long t0 = System.nanoTime();
    assertThat(in.read()).as("closed by the server when idle").isEqualTo(-1);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    // Two requests sent at once (pipelined) are answered in order.
    Socket p = connect(server);
    send(p, signedGetToken("p1", "pipe-1", "") + signedGetToken("p2", "pipe-2", ""));
    assertThat(readResponse(p.getInputStream())).contains("\"userId\":\"p1\"");
    assertThat(readResponse(p.getInputStream())).contains("\"userId\":\"p2\"");
  }

  /**
   * An unknown path is answered 404 once its body is dropped, and its connection serves the next
   * call; a body past the limit on one is not read on: 404 at once, and the connection closes.
   */
  @Test
  void aRefusedRequestsBodyIsDroppedAndItsConnectionKeptUpToTheLimit() throws Exception {
    ImServer server = start(b -> {});
    Socket s = connect(server);
    send(s, "POST /nothing.json HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 404").contains("no API at /nothing.json");
    send(s, signedGetToken("next", "after-404", ""));
    assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200");

    Socket big = connect(server);
    send(big, "POST /nothing.json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    String chunk = Integer.toHexString(64 * 1024) + "\r\n" + "a".repeat(64 * 1024) + "\r\n";
    try {
      for (int sent = 0; sent <= io.imlink.server.internal.HttpApi.MAX_BODY; sent += 64 * 1024) {
        send(big, chunk);
      }
    } catch (IOException closedWhileSending) {
      // the server answered and stopped reading
    }
    assertThat(readToEnd(big)).startsWith("HTTP/1.1 404").contains("connection: close");
  }

  /** Connections over the cap are refused (503 or closed); once one is released, calls work again. */
  @Test
  void connectionsOverTheCapAreRefusedUntilOneCloses() throws Exception {
    ImServer server = start(b -> b.httpApiMaxConnections(3));
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      held.add(connect(server));
    }
    Socket over = connect(server);
    String answer;
    try {
      send(over, signedGetToken("over", "over", "Connection: close\r\n"));
      answer = readToEnd(over);
    } catch (SocketTimeoutException notAnswered) {
      throw new AssertionError("the connection over the cap was neither answered nor closed", notAnswered);
    } catch (IOException reset) {
      answer = "reset: " + reset;
    }
    assertThat(answer).satisfiesAnyOf(
        a -> assertThat(a).startsWith("HTTP/1.1 503").contains("\"code\":1000"),
        a -> assertThat(a).startsWith("reset: "));
    held.get(0).close();
    ServerApiClient api = client(server, Duration.ofSeconds(3));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) { // the server sees the close of the held socket soon, not at a time the test knows
      var r = api.call("/user/getToken.json").param("userId", "again").send();
      if (r.status() == 200) {
        break;
      }
      assertThat(r.status()).isEqualTo(503);
      assertThat(System.nanoTime()).as("served again within 10 s").isLessThan(deadline);
    }
  }

  /** A clock that holds the HTTP API's worker threads while the gate is closed, and says which ran. */
  private static final class GateClock extends Clock {
    final CountDownLatch open = new CountDownLatch(1);
    final AtomicInteger held = new AtomicInteger();
    final Set<String> threads = ConcurrentHashMap.newKeySet();

    @Override
    public long millis() {
      String name = Thread.currentThread().getName();
      if (name.startsWith("imlink-server-http")) {
        threads.add(name.replaceAll("(-\\d+)+$", ""));
        if (open.getCount() > 0) {
          held.incrementAndGet();
          try {
            open.await(20, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      return System.currentTimeMillis();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }

  /**
   * With every worker busy and the queue full, a call is answered 503 with code 1000 at once
   * (before, the JDK server's queue had no bound and calls waited); the endpoints never run on the
   * I/O thread.
   */
  @Test
  void aFullWorkerPoolAnswers503AtOnce() throws Exception {
    GateClock clock = new GateClock();
    ImServer server = start(b -> b.clock(clock).httpApiWorkers(1, 1));
    ServerApiClient api = new ServerApiClient(server.httpApiUri().orElseThrow(), KEY, SECRET, Clock.systemUTC(),
        Duration.ofSeconds(15));
    CompletableFuture<ServerApiClient.Response> first = CompletableFuture.supplyAsync(() -> call(api, "first"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (clock.held.get() == 0) {
      assertThat(System.nanoTime()).as("the first call reaches a worker").isLessThan(deadline);
      Thread.onSpinWait();
    }
    CompletableFuture<ServerApiClient.Response> second = CompletableFuture.supplyAsync(() -> call(api, "second"));
    CompletableFuture<ServerApiClient.Response> third = CompletableFuture.supplyAsync(() -> call(api, "third"));
    // One of them waits in the queue, the other is refused at once (which is which is up to the network).
    ServerApiClient.Response refused = (ServerApiClient.Response) CompletableFuture.anyOf(second, third).get(5, TimeUnit.SECONDS);
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.body().get("code").asInt()).isEqualTo(1000);
    assertThat(refused.body().get("errorMessage").asText()).contains("server busy");
    clock.open.countDown();
    assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    ServerApiClient.Response other = (second.get() == refused ? third : second).get(10, TimeUnit.SECONDS);
    assertThat(other.status()).isEqualTo(200);
    assertThat(clock.threads).contains("imlink-server-http-worker").noneMatch(t -> t.contains("-io-"));
  }

  private static ServerApiClient.Response call(ServerApiClient api, String userId) {
    try {
      return api.call("/user/getToken.json").param("userId", userId).send();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * An accept that fails because the process has run out of file descriptors does not stop the API
   * for good: once they are free again, calls are answered (Netty's acceptor pauses for 1 s and retries).
   */
  @Test
  void runningOutOfFileDescriptorsDoesNotStopTheApiForGood() throws Exception {
    ImServer server = start(b -> {});
    ServerApiClient api = client(server, Duration.ofSeconds(3));
    assertThat(api.getToken("before")).isNotEmpty(); // every class the call needs is loaded
    long limit = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    Assumptions.assumeTrue(limit > 0 && limit <= 100_000, "needs a Unix limit of file descriptors the test can exhaust");
    URI base = server.httpApiUri().orElseThrow();
    List<FileInputStream> hogs = new ArrayList<>();
    Socket victim = new Socket();
    cleanup.add(victim);
    try {
      try {
        while (hogs.size() < limit) {
          hogs.add(new FileInputStream("/dev/null"));
        }
      } catch (IOException exhausted) {
        // every descriptor is taken
      }
      hogs.remove(hogs.size() - 1).close(); // one for the client's socket: the server's accept has none
      try {
        victim.connect(new InetSocketAddress(base.getHost(), base.getPort()), 2_000);
        victim.setSoTimeout(1_000);
        victim.getInputStream().read(); // the server tries, and fails, to accept it meanwhile
      } catch (IOException refusedOrTimedOut) {
        // refused, reset or not answered: the server has tried
      }
    } finally {
      for (FileInputStream h : hogs) {
        h.close();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      try {
        assertThat(api.getToken("after")).isNotEmpty();
        break;
      } catch (IOException notYet) {
        assertThat(System.nanoTime()).as("the API answers again within 15 s: %s", notYet).isLessThan(deadline);
      }
    }
  }

  /**
   * The measured case: a server process limited to 256 file descriptors gets more connections than
   * it can accept; once the clients let go of them, it answers again.
   */
  @Test
  void aServerProcessOutOfDescriptorsServesAgainOnceConnectionsAreReleased() throws Exception {
    Path prlimit = Path.of("/usr/bin/prlimit");
    Assumptions.assumeTrue(java.nio.file.Files.isExecutable(prlimit), "needs prlimit (util-linux) to limit a child process");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process child = new ProcessBuilder(prlimit.toString(), "--nofile=256:256", java.toString(), "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), HttpApiServerMain.class.getName(), KEY, SECRET,
        tmp.resolve("child").toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    cleanup.add(() -> {
      child.getOutputStream().close();
      if (!child.waitFor(5, TimeUnit.SECONDS)) {
        child.destroyForcibly().waitFor();
      }
    });
    java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line).as("the child server's first line").startsWith("API ");
    URI base = URI.create(line.substring(4));
    ServerApiClient api = new ServerApiClient(base, KEY, SECRET, Clock.systemUTC(), Duration.ofSeconds(2));
    assertThat(api.getToken("before")).isNotEmpty();
    List<Socket> flood = new ArrayList<>();
    try {
      for (int i = 0; i < 600; i++) {
        Socket s = new Socket();
        flood.add(s);
        s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 500);
      }
    } catch (IOException backlogFull) {
      // the server accepts no more and its backlog is full
    }
    // A server with descriptors to spare would have taken all 600: it ran out and its backlog filled.
    assertThat(flood.size()).as("connections made before one was not accepted").isLessThan(600);
    try {
      api.getToken("during"); // answered only if the server still has a descriptor for it
    } catch (IOException expected) {
      // out of descriptors
    }
    for (Socket s : flood) {
      s.close();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        assertThat(api.getToken("after")).isNotEmpty();
        break;
      } catch (IOException notYet) {
        assertThat(System.nanoTime()).as("the API answers again within 20 s: %s", notYet).isLessThan(deadline);
      }
    }
  }

  /**
   * With {@code tls(ServerTls)} the API is served over HTTPS with the same certificate as the
   * listeners; ServerApiClient works against it, and plain HTTP gets no answer.
   */
  @Test
  void withTlsTheApiIsServedOverHttpsOnly() throws Exception {
    SelfSignedPem pem = SelfSignedPem.create(tmp);
    ImServer server = start(b -> {
      try {
        b.tls(ServerTls.fromPem(pem.certificate(), pem.privateKey()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    URI base = server.httpApiUri().orElseThrow();
    assertThat(base.getScheme()).isEqualTo("https");
    ServerApiClient api = new ServerApiClient(base, KEY, SECRET, Clock.systemUTC(), Duration.ofSeconds(5),
        pem.clientContext());
    assertThat(api.getToken("tls-user")).isNotEmpty();
    assertThat(api.checkOnline("tls-user")).isFalse();

    URI http = URI.create("http://" + base.getHost() + ":" + base.getPort());
    ServerApiClient overHttp = new ServerApiClient(http, KEY, SECRET, Clock.systemUTC(), Duration.ofSeconds(3));
    assertThatThrownBy(() -> overHttp.getToken("plain")).isInstanceOf(IOException.class)
        .isNotInstanceOf(SocketTimeoutException.class);
  }
}
