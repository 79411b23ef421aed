package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code imlink connect}, in a JVM of its own, stopped with SIGTERM while messages arrive: the
 * engine is closed once, nothing is said on stderr, and the exit status is 143 (128 + SIGTERM), as
 * for any process a SIGTERM ends.
 */
@Timeout(120)
class ConnectShutdownTest {
  @TempDir Path tmp;

  private record Run(int exit, List<String> out, List<String> err) {}

  /** Runs {@code imlink connect} as {@code user} and sends it SIGTERM once it received 20 messages. */
  private Run connectUntilSigterm(ImServer server, ServerApiClient api, String user, String... extra) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "connect", "--server", server.listenUris().get(0).toString(), "--app-key", "term-app",
        "--token", api.getToken(user), "--data-dir", tmp.resolve(user).toString()));
    command.addAll(List.of(extra));
    Path stderr = tmp.resolve(user + ".err");
    Process child = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    AtomicBoolean publishing = new AtomicBoolean(true);
    Thread publisher = new Thread(() -> {
      try {
        for (int n = 0; publishing.get(); n++) {
          api.publishPrivate("sender", List.of(user), "RC:TxtMsg", "{\"n\":" + n + "}");
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    List<String> out = new ArrayList<>();
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      boolean signalled = false;
      int received = 0;
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        out.add(line);
        if (line.contains("client   onConnected(0, \"" + user + "\")")) {
          publisher.start();
        }
        if (line.contains("client   received from sender") && ++received == 20 && !signalled) {
          // SIGTERM while messages still arrive and their callbacks run. (Through the handle:
          // Process.destroy() would also close the pipe this loop reads to its end.)
          assertThat(child.toHandle().destroy()).isTrue();
          signalled = true;
        }
      }
      assertThat(signalled).as("the client connected and received messages: %s", out).isTrue();
    } finally {
      publishing.set(false);
      if (publisher.isAlive()) {
        publisher.join();
      }
    }
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the client exits after SIGTERM").isTrue();
    return new Run(child.exitValue(), out, Files.readAllLines(stderr));
  }

  @Test
  void sigtermWhileMessagesArriveClosesQuietlyAndExitsWith143() throws Exception {
    try (ImServer server = ImServer.builder().app("term-app", "term-app-secret")
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .dataDirectory(tmp.resolve("server")).build().start()) {
      ServerApiClient api = new ServerApiClient(server.httpApiUri().orElseThrow(), "term-app", "term-app-secret");

      Run quiet = connectUntilSigterm(server, api, "tess");
      assertThat(quiet.err()).as("stderr").isEmpty();
      assertThat(quiet.exit()).as("exit status; stdout %s", quiet.out()).isEqualTo(143);

      // With --verbose the libraries log (info), and a failure would show its stack trace: none.
      Run verbose = connectUntilSigterm(server, api, "vera", "--verbose");
      assertThat(verbose.err()).as("stderr with --verbose")
          .isNotEmpty()
          .noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ") || l.startsWith("imlink: "));
      assertThat(verbose.exit()).as("exit status; stdout %s", verbose.out()).isEqualTo(143);
    }
  }
}
