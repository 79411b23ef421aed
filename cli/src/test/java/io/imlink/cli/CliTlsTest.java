package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.tls.ClientTls;
import io.imlink.tck.TestTls;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from the command line, each command in a JVM of its own as an operator runs them: {@code
 * server --tls-cert --tls-key} serves wss and the HTTP API with the certificate and prints its pin;
 * {@code token --tls-ca} gets a token from it, {@code connect --tls-ca} connects, and {@code connect}
 * with a wrong {@code --tls-pin} never does and says why on stderr.
 */
@Timeout(180)
class CliTlsTest {
  @TempDir Path tmp;

  private record Run(int exit, List<String> out, String err) {}

  @Test
  void aServerWithACertificateFileIsReachedByClientsThatTrustItsCa() throws Exception {
    TestTls tls = TestTls.create(tmp);
    Path secret = Files.writeString(tmp.resolve("secret"), "tls-app-secret-0123\n");
    Process server = start(List.of("server", "--listen", "wss://127.0.0.1:0/im", "--http", "127.0.0.1:0",
        "--app-key", "tls-app", "--app-secret-file", secret.toString(), "--data-dir", tmp.resolve("server").toString(),
        "--tls-cert", tls.certificatePem().toString(), "--tls-key", tls.privateKeyPem().toString()), null);
    try {
      List<String> settings = new ArrayList<>();
      BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        settings.add(line);
        if (line.startsWith("TLS")) {
          break;
        }
      }
      String pin = ClientTls.pinOf(tls.certificate());
      assertThat(settings).as("the server's settings").anyMatch(l -> l.startsWith("TLS") && l.contains("CN=localhost")
          && l.contains("pin " + pin));
      String wss = value(settings, "listening on ");
      String api = value(settings, "HTTP API on ");
      assertThat(wss).startsWith("wss://127.0.0.1:");
      assertThat(api).as("one TLS configuration for every listener").startsWith("https://");

      StringWriter tokenOut = new StringWriter();
      StringWriter tokenErr = new StringWriter();
      int tokenExit = Main.execute(new PrintWriter(tokenOut, true), new PrintWriter(tokenErr, true), "token",
          "--api", api, "--app-key", "tls-app", "--app-secret-file", secret.toString(), "--user", "tess",
          "--tls-ca", tls.caCertificatePem().toString());
      assertThat(tokenExit).as(tokenErr.toString()).isZero();
      String token = tokenOut.toString().strip();

      Run connected = connect(List.of("--server", wss, "--token", token, "--tls-ca", tls.caCertificatePem().toString(),
          "--tls-pin", pin), "onConnected(0, \"tess\")");
      assertThat(connected.out()).anyMatch(l -> l.contains("onConnected(0, \"tess\")"));

      String wrongPin = ClientTls.pinOf(TestTls.create(tmp).certificate());
      Run refused = connect(List.of("--server", wss, "--token", token, "--tls-ca", tls.caCertificatePem().toString(),
          "--tls-pin", wrongPin, "--timeout", "3"), null);
      assertThat(refused.out()).anyMatch(l -> l.contains("onConnected(34006"));
      assertThat(refused.err()).contains("TLS handshake with").contains("pinning failure");
    } finally {
      server.destroy();
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  private static String value(List<String> lines, String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).strip())
        .findFirst().orElseThrow(() -> new AssertionError("no '" + prefix + "' line in " + lines));
  }

  /** Runs {@code connect} until a line contains {@code until} (then SIGTERM), or until it ends by itself. */
  private Run connect(List<String> args, String until) throws Exception {
    List<String> command = new ArrayList<>(List.of("connect", "--app-key", "tls-app",
        "--data-dir", tmp.resolve("client-" + System.nanoTime()).toString()));
    command.addAll(args);
    Path err = tmp.resolve("connect-" + System.nanoTime() + ".err");
    Process child = start(command, err);
    List<String> out = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        out.add(line);
        if (until != null && line.contains(until)) {
          break; // then SIGTERM: destroy() also closes this stream
        }
      }
    }
    child.destroy();
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("connect ends: %s", out).isTrue();
    return new Run(child.exitValue(), out, Files.readString(err));
  }

  private static Process start(List<String> args, Path stderr) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(args);
    ProcessBuilder b = new ProcessBuilder(command);
    if (stderr == null) {
      b.redirectErrorStream(true);
    } else {
      b.redirectError(stderr.toFile());
    }
    return b.start();
  }
}
