package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.server.store.postgres.EmbeddedPostgresFixture;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server --store postgres} in a JVM of its own, as an operator runs it, on a database of the
 * embedded PostgreSQL: it says which store it uses without the credential, the password given in a
 * file shows neither in the process's command line nor in anything it prints or logs (at info level,
 * {@code --verbose}: the store, HikariCP and Flyway say what they open), and what the API and
 * a client do lands in PostgreSQL.
 */
@Timeout(180)
class CliPostgresTest {
  @TempDir Path tmp;

  @Test
  void aServerOnPostgresKeepsItsPasswordOutOfPsAndLogs() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    String password = "pg-password-" + System.nanoTime();
    Path passwordFile = Files.writeString(tmp.resolve("db-password"), password + "\n");
    Path secret = Files.writeString(tmp.resolve("secret"), "pg-app-secret-0123\n");
    Path stderr = tmp.resolve("server.err");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "--verbose", "server", "--listen", "tcp://127.0.0.1:0", "--http", "127.0.0.1:0", "--app-key", "pg-app",
        "--app-secret-file", secret.toString(), "--data-dir", tmp.resolve("server").toString(),
        "--store", "postgres", "--jdbc-url", url, "--jdbc-user", EmbeddedPostgresFixture.user(),
        "--jdbc-password-file", passwordFile.toString())
        .redirectError(stderr.toFile()).start();
    List<String> settings = new ArrayList<>();
    try {
      BufferedReader lines = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        settings.add(line);
        if (line.startsWith("tokens")) {
          break;
        }
      }
      assertThat(settings).as("the server's settings").contains("store      postgres " + url + " as postgres");
      String commandLine = Files.readString(Path.of("/proc/" + server.pid() + "/cmdline")).replace('\0', ' ');
      assertThat(commandLine).contains("--jdbc-password-file").doesNotContain(password);
      String tcp = value(settings, "listening on ");
      String api = value(settings, "HTTP API on ");

      StringWriter tokenOut = new StringWriter();
      StringWriter tokenErr = new StringWriter();
      int tokenExit = Main.execute(new PrintWriter(tokenOut, true), new PrintWriter(tokenErr, true), "token",
          "--api", api, "--app-key", "pg-app", "--app-secret-file", secret.toString(), "--user", "pat");
      assertThat(tokenExit).as(tokenErr.toString()).isZero();
      Process connect = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
          "connect", "--server", tcp, "--app-key", "pg-app", "--token", tokenOut.toString().strip(),
          "--data-dir", tmp.resolve("client").toString()).redirectErrorStream(true).start();
      List<String> connected = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(connect.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          connected.add(line);
          if (line.contains("onConnected(")) {
            break;
          }
        }
      } finally {
        connect.destroy();
        assertThat(connect.waitFor(60, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(connected).as("connect's output").anyMatch(l -> l.contains("onConnected(0, \"pat\")"));
      try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT user_id FROM users WHERE app_key = 'pg-app'")) {
        assertThat(rs.next()).as("the registered user is in PostgreSQL").isTrue();
        assertThat(rs.getString(1)).isEqualTo("pat");
      }
    } finally {
      server.destroy();
      assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
    String everything = String.join("\n", settings) + Files.readString(stderr); // the log goes to stderr
    assertThat(Files.readString(stderr)).as("the server's log").contains("server store: postgres");
    assertThat(everything).as("what the server printed and logged").doesNotContain(password);
  }

  private static String value(List<String> lines, String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).strip())
        .findFirst().orElseThrow(() -> new AssertionError("no '" + prefix + "' line in " + lines));
  }
}
