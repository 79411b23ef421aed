package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.server.ServerApiClient;
import io.imlink.server.store.postgres.EmbeddedPostgresFixture;
import io.imlink.tck.Network;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code imlink server --store postgres --cluster hazelcast} process of a cluster test (a
 * separate JVM on the test's class path), with the addresses it keeps across restarts: on loopback
 * ({@link #onLoopback}), or inside a network namespace through a command prefix such as {@code ip
 * netns exec NS}. Its stderr (the server's log) goes to a file per start, which {@link #logCount}
 * reads.
 *
 * <p>Thread safety: one test thread at a time, except {@link #kill} and {@link #signal}, which a
 * chaos thread may call while the test thread waits. {@link #start} blocks until the server has
 * printed that it is up.
 */
final class ServerProcess {
  static final String APP = "cluster-app";
  static final String SECRET = "cluster-app-secret-0123";

  final int index;
  /** Where the clients and the HTTP API reach it. */
  final String host;
  final int tcp;
  final int http;
  /** Its Hazelcast member's bind address and port. */
  final String memberBind;
  final int memberPort;
  private final List<String> prefix;
  private final Path dir;
  volatile Process process;
  private volatile Path log;

  ServerProcess(int index, Path dir, List<String> prefix, String host, int tcp, int http, String memberBind,
      int memberPort) {
    this.index = index;
    this.dir = dir;
    this.prefix = List.copyOf(prefix);
    this.host = host;
    this.tcp = tcp;
    this.http = http;
    this.memberBind = memberBind;
    this.memberPort = memberPort;
  }

  /** A node on loopback, on free ports. */
  static ServerProcess onLoopback(int index, Path dir) {
    return new ServerProcess(index, dir, List.of(), "127.0.0.1", Network.freePort(), Network.freePort(), "127.0.0.1",
        Network.freePort());
  }

  /** Its member address, HOST:PORT, for the others' {@code --member}. */
  String memberAddress() {
    return memberBind + ":" + memberPort;
  }

  URI uri() {
    return URI.create("tcp://" + host + ":" + tcp);
  }

  ServerApiClient api() {
    return new ServerApiClient(URI.create("http://" + host + ":" + http), APP, SECRET);
  }

  /** Whether the cluster, asked through this node's API, counts {@code user} online. */
  boolean online(String user) {
    try {
      return api().checkOnline(user);
    } catch (Exception e) {
      throw new AssertionError("checkOnline(" + user + ") through node " + index + " failed", e);
    }
  }

  /**
   * Starts the server (the secret file holds {@link #SECRET}) and waits until it says it is up.
   *
   * @param extra further {@code server} options
   */
  void start(String jdbcUrl, String clusterName, List<String> members, Path secret, String... extra)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(prefix);
    command.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "server",
        "--listen", uri().toString(), "--http", host + ":" + http, "--app-key", APP,
        "--app-secret-file", secret.toString(), "--data-dir", dir.resolve("node-" + index).toString(),
        "--store", "postgres", "--jdbc-url", jdbcUrl, "--jdbc-user", EmbeddedPostgresFixture.user(),
        "--cluster", "hazelcast", "--cluster-name", clusterName, "--cluster-bind", memberBind,
        "--cluster-port", String.valueOf(memberPort)));
    for (String m : members) {
      command.add("--member");
      command.add(m);
    }
    command.addAll(List.of(extra));
    Path err = dir.resolve("node-" + index + "-" + System.nanoTime() + ".err");
    log = err;
    process = new ProcessBuilder(command)
        .redirectError(err.toFile())
        .redirectOutput(ProcessBuilder.Redirect.PIPE)
        .start();
    BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    List<String> seen = new ArrayList<>();
    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
      seen.add(line);
      if (line.startsWith("tokens")) {
        Thread drain = new Thread(() -> {
          try {
            lines.transferTo(Writer.nullWriter());
          } catch (IOException ignored) {
            // the process ended
          }
        }, "node-" + index + "-stdout");
        drain.setDaemon(true);
        drain.start();
        return;
      }
    }
    throw new AssertionError("node " + index + " did not start: " + seen + "; its log: " + logLines());
  }

  /** The lines of the latest start's log (stderr). */
  List<String> logLines() {
    Path l = log;
    try {
      return l == null ? List.of() : Files.readAllLines(l, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + l, e);
    }
  }

  /** How many lines of the latest start's log contain {@code text}. */
  long logCount(String text) {
    return logLines().stream().filter(s -> s.contains(text)).count();
  }

  /** SIGKILL: no goodbye to clients or members. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  /** Sends {@code signal} (STOP, CONT) to the process. */
  void signal(String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0)
        .as("kill -%s %d", signal, process.pid()).isTrue();
  }

  /**
   * Copies the logs of every start under {@code dir} to {@code target/<name>} (the test's temporary
   * directory goes once it ends), for reading after a run.
   */
  static void keepLogs(Path dir, String name) throws IOException {
    Path logs = Path.of("target", name);
    Files.createDirectories(logs);
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".err")).toList()) {
        Files.copy(f, logs.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /** Kills the process if it still runs: for the tests' cleanup. */
  void stop() throws InterruptedException {
    Process p = process;
    if (p != null && p.isAlive()) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
