package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.server.ImServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The app secret stays off the command line and out of the output: a file or the environment. */
@Timeout(120)
class AppSecretTest {
  @TempDir Path tmp;

  private static AppSecretOption option(Path file, String value) {
    AppSecretOption o = new AppSecretOption();
    o.file = file;
    o.value = value;
    return o;
  }

  @Test
  void theSecretComesFromTheFileTheEnvironmentOrTheCommandLineOnce() throws Exception {
    Path file = Files.writeString(tmp.resolve("secret"), "  from-the-file-0123 \nsecond line ignored\n");
    AppSecretOption.Secret fromFile = option(file, null).resolve(Map.of(AppSecretOption.ENV, "from-env")::get);
    assertThat(fromFile.value()).isEqualTo("from-the-file-0123");
    assertThat(fromFile.source()).isEqualTo(AppSecretOption.Source.FILE);
    assertThat(fromFile.toString()).doesNotContain("from-the-file");
    assertThat(option(null, "on-the-line").resolve(Map.of(AppSecretOption.ENV, "from-env")::get).source())
        .as("an option wins over the environment").isEqualTo(AppSecretOption.Source.COMMAND_LINE);
    AppSecretOption.Secret fromEnv = option(null, null).resolve(Map.of(AppSecretOption.ENV, " from-env-0123 ")::get);
    assertThat(fromEnv.value()).isEqualTo("from-env-0123");
    assertThat(fromEnv.source()).isEqualTo(AppSecretOption.Source.ENVIRONMENT);
    assertThat(option(null, null).resolve(Map.<String, String>of()::get)).isNull();
    assertThatThrownBy(() -> option(file, "x").resolve(Map.<String, String>of()::get))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not both");
    Path empty = Files.writeString(tmp.resolve("empty"), "\n");
    assertThatThrownBy(() -> option(empty, null).resolve(Map.<String, String>of()::get))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is empty");
    assertThatThrownBy(() -> option(tmp.resolve("missing"), null).resolve(Map.<String, String>of()::get))
        .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("cannot read the app secret file");
  }

  @Test
  void theTokenCommandReadsTheSecretFromAFileAndNeedsOne() throws Exception {
    try (ImServer server = ImServer.builder().app("file-app", "file-app-secret-0123")
        .httpApi(new InetSocketAddress("127.0.0.1", 0)).build().start()) {
      Path file = Files.writeString(tmp.resolve("secret"), "file-app-secret-0123\n");
      String api = server.httpApiUri().orElseThrow().toString();
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), "token", "--api", api,
          "--app-key", "file-app", "--app-secret-file", file.toString(), "--user", "zed");
      assertThat(code).as(err.toString()).isZero();
      assertThat(out.toString().strip()).isNotEmpty().doesNotContain("file-app-secret");

      StringWriter err2 = new StringWriter();
      int none = Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err2, true), "token",
          "--api", api, "--app-key", "file-app", "--user", "zed");
      // The test JVM has no IMLINK_APP_SECRET (unless someone set it: then this would connect).
      if (System.getenv(AppSecretOption.ENV) == null) {
        assertThat(none).isEqualTo(2);
        assertThat(err2.toString()).contains("give the app secret: --app-secret-file FILE, $IMLINK_APP_SECRET");
      }
    }
  }

  @Test
  void aServerNeverPrintsItsSecretAndWritesAGeneratedOneToAnOwnerOnlyFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("given"), "given-secret-0123\n");
    List<String> given = serverOutput("--app-key", "s-app", "--app-secret-file", file.toString(),
        "--data-dir", tmp.resolve("data1").toString());
    assertThat(String.join("\n", given)).doesNotContain("given-secret-0123")
        .contains("app secret from " + file.toAbsolutePath());

    Path data = tmp.resolve("data2");
    List<String> generated = serverOutput("--app-key", "g-app", "--data-dir", data.toString());
    Path written = data.resolve("app-secret");
    String secret = Files.readString(written).strip();
    assertThat(secret).hasSizeGreaterThanOrEqualTo(16);
    assertThat(String.join("\n", generated)).doesNotContain(secret).contains("generated, in " + written.toAbsolutePath());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(written))).isEqualTo("rw-------");
  }

  /** Runs {@code imlink server} in a JVM of its own until it has printed its settings, then stops it. */
  private static List<String> serverOutput(String... extra) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "server", "--listen", "tcp://127.0.0.1:0", "--http", "127.0.0.1:0"));
    command.addAll(List.of(extra));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
    List<String> out = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        out.add(line);
        if (line.startsWith("tokens")) { // the last line of its settings
          assertThat(child.toHandle().destroy()).isTrue();
        }
      }
    }
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).as("the server stops on SIGTERM: %s", out).isTrue();
    assertThat(out).as("it started").anyMatch(l -> l.startsWith("HTTP API on"));
    return out;
  }
}
