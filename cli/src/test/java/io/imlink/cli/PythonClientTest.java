package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.tck.Await;
import io.imlink.tck.EngineProbe;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wire protocol is enough to write a client: {@code clients/python/imlink_client.py}, written
 * from {@code imlink.proto} and the HTTP API's description with no Java in it, runs as a
 * subprocess under Debian's {@code /usr/bin/python3} against the real server, and exchanges
 * messages with a Java engine over TCP.
 *
 * <p>The script prints one JSON object per line ({@code "event"} first) and, where the test must act
 * while it waits, a {@code ready} event; it goes on when the test writes a line to its stdin. So the
 * two sides take turns on I/O, never on time. Every event is checked in order: an unexpected or
 * missing one fails with the script's whole stdout and stderr.
 *
 * <p>Needs {@code /usr/bin/python3} with Debian's {@code python3-protobuf} and {@code protoc} from
 * {@code protobuf-compiler} (the script compiles {@code imlink.proto} at run time); without them the
 * test fails and says which packages to install.
 */
class PythonClientTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");
  private static final String INSTALL = "apt-get install -y python3-protobuf protobuf-compiler";
  private static final long STEP_SECONDS = 30;
  private static final int BACKLOG = 250; // two sync pages: 200 and 50
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private final String appKey = "py-app";
  private final String secret = "py-app-secret";
  private final List<ImEngine> engines = new ArrayList<>();
  private final List<PythonClient> scripts = new ArrayList<>();
  private ImServer server;
  private ServerApiClient api;
  private Path repo;

  @BeforeEach
  void start() throws Exception {
    repo = repositoryRoot();
    requirePythonClientTools(repo);
    server = ImServer.builder()
        .app(appKey, secret)
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .dataDirectory(tmp.resolve("server"))
        .build()
        .start();
    api = new ServerApiClient(server.httpApiUri().orElseThrow(), appKey, secret);
  }

  @AfterEach
  void stop() {
    scripts.forEach(PythonClient::close);
    engines.forEach(ImEngine::close);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aPythonClientGetsATokenConnectsSendsReceivesLiveAndSyncsItsBacklogFromItsCursor() throws Exception {
    ImEngine alice = ImEngine.builder(appKey).server(server.listenUris().get(0)).dataDirectory(tmp.resolve("alice")).build();
    engines.add(alice);
    List<Message> aliceReceived = new CopyOnWriteArrayList<>();
    alice.addMessageListener((m, left, offline) -> aliceReceived.add(m));
    EngineProbe probe = EngineProbe.attach(alice);
    assertThat(alice.connect(api.getToken("alice"), 0)).isZero();
    assertThat(probe.awaitConnected().code()).isZero();

    PythonClient py = start("scenario", "--user", "py", "--peer", "alice", "--device-id", "py-device");

    // (a) a token through the signed HTTP API; (b) ConnectAck 0 for the token's user; a ping.
    assertThat(py.next("token").get("user_id").asText()).isEqualTo("py");
    JsonNode first = py.next("connected");
    py.check(first.get("code").asInt() == 0 && first.get("user_id").asText().equals("py")
        && !first.get("session_id").asText().isEmpty() && first.get("heartbeat_interval_ms").asInt() == 30_000,
        "ConnectAck 0 for py with a session id and the server's heartbeat: " + first);
    py.check(py.next("pong").get("id").asLong() == 1, "the Pong echoes the Ping's id");
    // The inbox is empty: one page, nothing left; the session is live from here.
    expectPage(py, 0, 0);
    py.check(py.next("synced").get("cursor").asLong() == 0, "the cursor stays 0");

    // (c) py → alice: a PublishAck 0 with the server's id, and alice's engine receives it from py.
    JsonNode ack = py.next("publish_ack");
    py.check(ack.get("code").asInt() == 0 && !ack.get("message_id").asText().isEmpty()
        && ack.get("to").asText().equals("alice"), "PublishAck 0 with a server message id: " + ack);
    Await.until("alice receives py's message", () -> aliceReceived.size() == 1);
    Message fromPy = aliceReceived.get(0);
    assertThat(fromPy.senderUserId()).isEqualTo("py");
    assertThat(fromPy.targetId()).isEqualTo("py");
    assertThat(fromPy.objectName()).isEqualTo("RC:TxtMsg");
    assertThat(fromPy.content()).isEqualTo(ack.get("content").asText()).contains("gr\u00fc\u00dfe \u2713");
    assertThat(fromPy.serverMessageId()).isEqualTo(ack.get("message_id").asText());
    assertThat(fromPy.clientMessageId()).isEqualTo(ack.get("client_message_id").asText());
    assertThat(fromPy.orderKey()).isEqualTo(ack.get("order").asLong());

    // (d) alice → py, live; py stores and acknowledges it.
    py.expectReady("live");
    Message hello = alice.sendMessage("py", "RC:TxtMsg", "{\"content\":\"h\u00e9llo py\"}").get(STEP_SECONDS, TimeUnit.SECONDS);
    expectMessage(py, hello, 1, false);
    py.check(py.next("acked").get("up_to_seq").asLong() == 1, "py acknowledges seq 1");
    py.check(py.next("closed").get("cursor").asLong() == 1, "py closes with its cursor at 1");
    Await.until("the server records py's acknowledgement", () -> acknowledged("py-device") == 1);

    // (e) py is offline; alice sends a backlog of two pages.
    py.expectReady("offline");
    Await.until("py's session is gone", () -> !online("py"));
    List<CompletableFuture<Message>> sending = new ArrayList<>();
    for (int i = 0; i < BACKLOG; i++) {
      sending.add(alice.sendMessage("py", "RC:TxtMsg", "{\"content\":\"backlog " + i + " \u00fc\"}"));
    }
    List<Message> backlog = new ArrayList<>();
    for (CompletableFuture<Message> f : sending) {
      backlog.add(f.get(STEP_SECONDS, TimeUnit.SECONDS));
    }
    py.send("go");

    // py reconnects and syncs from its cursor: every backlog message exactly once, in order, page
    // by page with what is left, each page acknowledged.
    JsonNode second = py.next("connected");
    py.check(second.get("code").asInt() == 0 && !second.get("session_id").equals(first.get("session_id")),
        "a new session: " + second);
    expectPage(py, 200, BACKLOG - 200);
    for (int i = 0; i < 200; i++) {
      expectMessage(py, backlog.get(i), 2 + i, true);
    }
    py.check(py.next("acked").get("up_to_seq").asLong() == 201, "the first page acknowledged up to seq 201");
    expectPage(py, BACKLOG - 200, 0);
    for (int i = 200; i < BACKLOG; i++) {
      expectMessage(py, backlog.get(i), 2 + i, true);
    }
    long cursor = 1 + BACKLOG;
    py.check(py.next("acked").get("up_to_seq").asLong() == cursor, "the second page acknowledged up to " + cursor);
    py.check(py.next("synced").get("cursor").asLong() == cursor, "synced up to " + cursor);
    Await.until("the server records the backlog's acknowledgement", () -> acknowledged("py-device") == cursor);

    // Live again: the next message is the new one (nothing of the backlog comes twice).
    py.expectReady("live-again");
    Message after = alice.sendMessage("py", "RC:TxtMsg", "{\"content\":\"after\"}").get(STEP_SECONDS, TimeUnit.SECONDS);
    expectMessage(py, after, cursor + 1, false);
    py.check(py.next("acked").get("up_to_seq").asLong() == cursor + 1, "the live message acknowledged");
    py.next("closed");
    JsonNode done = py.next("done");
    py.check(done.get("cursor").asLong() == cursor + 1 && done.get("stored").asInt() == BACKLOG + 2,
        "py stored every message once: " + done);
    py.expectExit(0);
    Await.until("the server records the last acknowledgement", () -> acknowledged("py-device") == cursor + 1);
    assertThat(aliceReceived).hasSize(1);
  }

  @Test
  void aWrongSecretAndARefusedConnectAreReportedWithTheServersCodes() throws Exception {
    PythonClient wrongSecret = start("token", "--user", "py", "--app-secret", "not-" + secret);
    JsonNode error = wrongSecret.next("error");
    wrongSecret.check(error.get("type").asText().equals("ApiError") && error.get("message").asText().contains("code 1004"),
        "a bad signature is the API's 1004: " + error);
    wrongSecret.expectExit(1);

    api.block("blocked", 10);
    PythonClient blocked = start("send", "--user", "blocked", "--to", "alice", "--text", "hi", "--device-id", "d1");
    error = blocked.next("error");
    blocked.check(error.get("type").asText().equals("ConnectRefused")
        && error.get("message").asText().startsWith("connect refused with 31009"), "ConnectAck 31009 for a blocked user: " + error);
    blocked.expectExit(1);
  }

  // ---- the scenario's events ---------------------------------------------------------------------

  private static void expectPage(PythonClient py, int count, int left) throws InterruptedException {
    JsonNode page = py.next("page");
    py.check(page.get("count").asInt() == count && page.get("left").asInt() == left && page.get("offline").asBoolean(),
        "a sync page of " + count + " with " + left + " left: " + page);
  }

  private static void expectMessage(PythonClient py, Message sent, long seq, boolean offline) throws InterruptedException {
    JsonNode m = py.next("message");
    py.check(m.get("seq").asLong() == seq
        && m.get("from").asText().equals("alice")
        && m.get("object_name").asText().equals(sent.objectName())
        && m.get("content").asText().equals(sent.content())
        && m.get("message_id").asText().equals(sent.serverMessageId())
        && m.get("client_message_id").asText().equals(sent.clientMessageId())
        && m.get("order").asLong() == sent.orderKey()
        && m.get("offline").asBoolean() == offline,
        "message seq " + seq + " (offline " + offline + ") is alice's " + sent.serverMessageId() + " "
            + sent.content() + ": " + m);
  }

  private long acknowledged(String deviceId) {
    try {
      return server.acknowledgedSeq(appKey, "py", deviceId);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean online(String user) {
    try {
      return api.checkOnline(user);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- the subprocess ------------------------------------------------------------------------------

  /** Starts {@code imlink_client.py COMMAND} against this test's server (later options override). */
  private PythonClient start(String command, String... options) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), script(repo).toString(), command,
        "--api", server.httpApiUri().orElseThrow().toString(), "--app-key", appKey, "--app-secret", secret));
    if (!command.equals("token")) {
      URI tcp = server.listenUris().get(0);
      cmd.addAll(List.of("--tcp", tcp.getHost() + ":" + tcp.getPort(), "--proto-dir", protoDir(repo).toString(),
          "--timeout", Long.toString(STEP_SECONDS)));
    }
    cmd.addAll(List.of(options));
    PythonClient p = new PythonClient(cmd);
    scripts.add(p);
    return p;
  }

  /** The script as a child process: its JSON lines in a queue, its stderr kept, its stdin to write to. */
  private static final class PythonClient implements AutoCloseable {
    private static final JsonNode EOF = JSON.createObjectNode().put("event", "<end of stdout>");
    private final Process process;
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final StringBuffer stderr = new StringBuffer();
    private final Thread outReader;
    private final Thread errReader;
    private final Writer stdin;
    private final String commandLine;

    PythonClient(List<String> command) throws IOException {
      commandLine = String.join(" ", command);
      ProcessBuilder pb = new ProcessBuilder(command);
      Map<String, String> env = pb.environment();
      env.remove("PYTHONPATH");
      env.remove("PYTHONHOME");
      env.put("PYTHONDONTWRITEBYTECODE", "1");
      process = pb.start();
      stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      outReader = reader("stdout", process.getInputStream(), line -> {
        stdout.add(line);
        JsonNode event;
        try {
          event = JSON.readTree(line);
        } catch (IOException e) {
          event = null;
        }
        events.add(event instanceof ObjectNode && event.has("event") ? event
            : JSON.createObjectNode().put("event", "<not a JSON event>").put("line", line));
      }, () -> events.add(EOF));
      errReader = reader("stderr", process.getErrorStream(), line -> stderr.append(line).append('\n'), () -> {});
    }

    private static Thread reader(String name, InputStream in, java.util.function.Consumer<String> onLine, Runnable atEnd) {
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            onLine.accept(line);
          }
        } catch (IOException e) {
          // the process is gone
        } finally {
          atEnd.run();
        }
      }, "python-client-" + name);
      t.setDaemon(true);
      t.start();
      return t;
    }

    /** The next event, which must be {@code event}; fails with the transcript otherwise. */
    JsonNode next(String event) throws InterruptedException {
      JsonNode e = events.poll(STEP_SECONDS, TimeUnit.SECONDS);
      if (e == null) {
        throw failure("no \"" + event + "\" event within " + STEP_SECONDS + " s");
      }
      if (!e.get("event").asText().equals(event)) {
        throw failure("expected a \"" + event + "\" event, got " + e);
      }
      return e;
    }

    void expectReady(String step) throws InterruptedException {
      check(next("ready").get("step").asText().equals(step), "ready for step " + step);
    }

    void check(boolean condition, String what) {
      if (!condition) {
        throw failure("expected " + what);
      }
    }

    /** Writes a line to the script's stdin: its go-ahead after a {@code ready} event. */
    void send(String line) throws IOException {
      stdin.write(line + "\n");
      stdin.flush();
    }

    void expectExit(int code) throws InterruptedException {
      if (!process.waitFor(STEP_SECONDS, TimeUnit.SECONDS)) {
        throw failure("the script did not exit within " + STEP_SECONDS + " s");
      }
      outReader.join(TimeUnit.SECONDS.toMillis(STEP_SECONDS));
      errReader.join(TimeUnit.SECONDS.toMillis(STEP_SECONDS));
      check(process.exitValue() == code, "exit code " + code + ", got " + process.exitValue());
      JsonNode rest = events.poll();
      check(rest == EOF, "nothing more on stdout after the last event, got " + rest);
    }

    AssertionError failure(String what) {
      String exit = process.isAlive() ? "still running" : "exited with " + process.exitValue();
      return new AssertionError(what + "\n--- " + commandLine + " (" + exit + ")\n--- stdout:\n"
          + String.join("\n", stdout) + "\n--- stderr:\n" + stderr);
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(STEP_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- where things are, and what the script needs ------------------------------------------------

  /** The repository holding {@code clients/python}: the working directory (cli/ under Maven) or a parent. */
  private static Path repositoryRoot() {
    Path start = Path.of("").toAbsolutePath();
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.isRegularFile(script(p))) {
        return p;
      }
    }
    throw new AssertionError("no clients/python/imlink_client.py in " + start + " or a parent directory");
  }

  private static Path script(Path repo) {
    return repo.resolve("clients/python/imlink_client.py");
  }

  private static Path protoDir(Path repo) {
    return repo.resolve("protocol/src/main/protobuf");
  }

  /**
   * Fails (never skips) unless {@code /usr/bin/python3} imports {@code google.protobuf} and {@code
   * protoc} runs, saying which Debian packages to install.
   */
  private static void requirePythonClientTools(Path repo) throws Exception {
    String fix = "the Python client test needs Debian's protobuf runtime and compiler; install them once: " + INSTALL
        + " (.ci/run does)";
    if (!Files.isExecutable(PYTHON)) {
      throw new AssertionError("no " + PYTHON + ": apt-get install -y python3 python3-protobuf protobuf-compiler");
    }
    String runtime = run(PYTHON.toString(), "-c", "import google.protobuf; print(google.protobuf.__version__)");
    if (runtime != null) {
      throw new AssertionError(PYTHON + " cannot import google.protobuf (" + runtime + "); " + fix);
    }
    String compiler = run("protoc", "--version");
    if (compiler != null) {
      throw new AssertionError("protoc does not run (" + compiler + "); " + fix);
    }
    assertThat(protoDir(repo).resolve("imlink/v1/imlink.proto")).isRegularFile();
  }

  /** Runs a short command; null when it exits with 0, else what it printed (or why it did not run). */
  private static String run(String... command) throws InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      return e.getMessage();
    }
    String output;
    try (InputStream in = p.getInputStream()) {
      output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      output = e.getMessage();
    }
    if (!p.waitFor(STEP_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return String.join(" ", command) + " did not finish within " + STEP_SECONDS + " s";
    }
    return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + output;
  }
}
