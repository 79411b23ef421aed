package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.server.ImServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The CLI commands, run in-process against real servers on loopback. */
class CliTest {
  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void theDemoRunsEveryScenarioAndExitsZero() {
    Run r = run("demo");
    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .contains("alice    onDatabaseOpened(0)")
        .contains("alice    onConnected(0, \"alice\")")
        .contains("alice    status SUSPEND(30011)")
        .contains("alice    status TOKEN_INCORRECT(31004)")
        .contains("carol    onConnected(34006, \"\")")
        .contains("carol    status TIMEOUT(34006)")
        .contains("bob      status SIGN_OUT(0)")
        .contains("dave     connecting over tcp")
        .contains("erin     connecting over ws")
        .contains("frank    connecting over grpc")
        .contains("frank    onConnected(0, \"frank\")")
        .contains("3 more sessions, one per transport; checkOnline: dave=true erin=true frank=true")
        .contains("erin     received from dave  — {\"content\":\"hello erin, from tcp\"}  (live)")
        .contains("dave     received from erin  — {\"content\":\"hi dave, from ws\"}  (live)")
        .contains("frank    received from dave  — {\"content\":\"backlog 1 of 3\"}  (offline, 2 left)")
        .contains("frank    received from dave  — {\"content\":\"backlog 3 of 3\"}  (offline, 0 left)")
        .contains("frank    conversation with dave: 3 unread")
        .contains("checkOnline(bob) = false");
    // The users sign out before the server stops: no reconnect attempts after the end.
    String end = r.out().substring(r.out().indexOf("== done"));
    assertThat(end).contains("frank    status SIGN_OUT(0)").doesNotContain("SUSPEND").doesNotContain("CONNECTING");
    // Callbacks in order: database before connected, for each user.
    assertThat(r.out().indexOf("alice    onDatabaseOpened(0)")).isLessThan(r.out().indexOf("alice    onConnected(0"));
  }

  /** What a user sees on a mistake: one line on stderr, never a stack trace. */
  private static void assertOneLine(String err, String line) {
    assertThat(err.lines().toList()).containsExactly(line);
  }

  @Test
  void storeOptionsThatDoNotGoTogetherAreOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    String[] base = {"server", "--listen", "tcp://127.0.0.1:0", "--http", "127.0.0.1:0", "--data-dir", tmp.toString()};
    Run noUrl = run(concat(base, "--store", "postgres"));
    assertThat(noUrl.code()).isEqualTo(2);
    assertOneLine(noUrl.err(), "imlink: --store postgres needs --jdbc-url, e.g. jdbc:postgresql://127.0.0.1:5432/imlink");
    Run urlWithoutPostgres = run(concat(base, "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x"));
    assertThat(urlWithoutPostgres.code()).isEqualTo(2);
    assertOneLine(urlWithoutPostgres.err(), "imlink: --jdbc-url, --jdbc-user and --jdbc-password-file go with --store postgres");
    Run passwordInUrl = run(concat(base, "--store", "postgres", "--jdbc-url", "jdbc:postgresql://h/db?user=u&password=hunter2"));
    assertThat(passwordInUrl.code()).isEqualTo(2);
    assertThat(passwordInUrl.err()).startsWith("imlink: --jdbc-url holds a password");
    Run unknown = run(concat(base, "--store", "cassandra"));
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("no server store 'cassandra': add io.imlink:imlink-server-store-cassandra")
        .doesNotContain("\tat io.");
  }

  @Test
  void clusterOptionsThatDoNotGoTogetherAreOneLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    String[] base = {"server", "--listen", "tcp://127.0.0.1:0", "--http", "127.0.0.1:0", "--data-dir", tmp.toString()};
    String[] postgres = concat(base, "--store", "postgres", "--jdbc-url", "jdbc:postgresql://127.0.0.1:1/x",
        "--cluster", "hazelcast");
    Run tooShort = run(concat(postgres, "--member-timeout", "PT1S"));
    assertThat(tooShort.code()).isEqualTo(2);
    assertOneLine(tooShort.err(), "imlink: --member-timeout must be whole seconds, at least PT2S, got PT1S");
    Run fraction = run(concat(postgres, "--member-timeout", "PT2.5S"));
    assertThat(fraction.code()).isEqualTo(2);
    assertOneLine(fraction.err(), "imlink: --member-timeout must be whole seconds, at least PT2S, got PT2.5S");
    Run local = run(concat(base, "--member-timeout", "PT5S"));
    assertThat(local.code()).isEqualTo(2);
    assertOneLine(local.err(),
        "imlink: --member, --cluster-port, --cluster-bind, --cluster-name and --member-timeout go with --cluster hazelcast");
    Run notADuration = run(concat(postgres, "--member-timeout", "5"));
    assertThat(notADuration.code()).isEqualTo(2);
    assertThat(notADuration.err()).startsWith("Invalid value for option '--member-timeout'").doesNotContain("\tat ");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void aBadOptionValueIsOneLineAndExitCode2(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
    Run r = run("server", "--app-secret", "short", "--listen", "tcp://127.0.0.1:0", "--http", "127.0.0.1:0",
        "--data-dir", tmp.toString());
    assertThat(r.code()).isEqualTo(2);
    assertOneLine(r.err(), "imlink: appSecret must be at least 8 characters");
    assertThat(r.err()).doesNotContain("\tat io.").doesNotContain("Exception");
    assertThat(r.out()).isEmpty();

    Run address = run("server", "--http", "localhost:http", "--data-dir", tmp.toString());
    assertThat(address.code()).isEqualTo(2);
    assertOneLine(address.err(), "imlink: --http expects HOST:PORT with a port from 0 to 65535, got 'localhost:http'");

    Run appKey = run("connect", "--server", "tcp://127.0.0.1:1", "--app-key", "has space", "--token", "t",
        "--data-dir", tmp.toString());
    assertThat(appKey.code()).isEqualTo(2);
    assertThat(appKey.err()).startsWith("imlink: appKey ").doesNotContain("\tat ");
    assertThat(appKey.err().lines()).hasSize(1);
  }

  @Test
  void picocliUsageErrorsKeepTheirMessageAndExitCode2() {
    Run unknown = run("server", "--no-such-option");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).startsWith("Unknown option: '--no-such-option'").doesNotContain("\tat ");
    assertThat(unknown.out()).isEmpty();

    Run badType = run("server", "--token-lifetime", "soon");
    assertThat(badType.code()).isEqualTo(2);
    assertThat(badType.err()).startsWith("Invalid value for option '--token-lifetime'").doesNotContain("\tat ");
  }

  @Test
  void aRuntimeFailureIsOneLineAndExitCode1(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String busy = "tcp://127.0.0.1:" + taken.getLocalPort();
      Run r = run("server", "--listen", busy, "--http", "127.0.0.1:0", "--data-dir", tmp.toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err().lines().toList()).hasSize(1);
      assertThat(r.err()).startsWith("imlink: cannot start the server (listening on " + busy + ", HTTP API on 127.0.0.1:0): ")
          .doesNotContain("\tat ");

      // --verbose (here after the subcommand) adds the stack trace after the same line.
      Run verbose = run("server", "--verbose", "--listen", busy, "--http", "127.0.0.1:0", "--data-dir", tmp.toString());
      assertThat(verbose.code()).isEqualTo(1);
      assertThat(verbose.err().lines().findFirst()).contains(r.err().strip());
      assertThat(verbose.err()).contains("java.io.IOException: cannot start the server").contains("\tat io.imlink.");
    }
  }

  @Test
  void tokenAndConnectTalkToAStandaloneServer() throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (ImServer server = ImServer.builder()
        .app("cli-app", "cli-app-secret")
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(lo, 0))
        .build()
        .start()) {
      Run token = run("token", "--api", server.httpApiUri().orElseThrow().toString(),
          "--app-key", "cli-app", "--app-secret", "cli-app-secret", "--user", "zoe");
      assertThat(token.code()).isZero();
      String t = token.out().strip();
      assertThat(t).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");

      // A wrong secret: the API refuses, the command says why and fails.
      Run refused = run("token", "--api", server.httpApiUri().orElseThrow().toString(),
          "--app-key", "cli-app", "--app-secret", "wrong-secret", "--user", "zoe");
      assertThat(refused.code()).isEqualTo(1);
      assertOneLine(refused.err(), "imlink: server API refused the call: HTTP 401, code 1004: "
          + "authentication failed: check App-Key, Nonce, Timestamp and Signature");

      // connect runs until a final status: block the user from another thread once connected.
      server.apps();
      Thread blocker = new Thread(() -> {
        try {
          io.imlink.server.ServerApiClient api = new io.imlink.server.ServerApiClient(
              server.httpApiUri().orElseThrow(), "cli-app", "cli-app-secret");
          while (!api.checkOnline("zoe")) {
            Thread.sleep(5);
          }
          api.block("zoe", 1);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      blocker.start();
      Run connect = run("connect", "--server", server.listenUris().get(0).toString(),
          "--app-key", "cli-app", "--token", t, "--data-dir", System.getProperty("java.io.tmpdir") + "/imlink-cli-test");
      blocker.join();
      assertThat(connect.out()).contains("client   onConnected(0, \"zoe\")").contains("status CONN_USER_BLOCKED(31009)");
      assertThat(connect.code()).isEqualTo(1);
    }
  }

  @Test
  void chatSendsWhatIsTypedAndShowsWhatArrives(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (ImServer server = ImServer.builder()
        .app("chat-app", "chat-app-secret")
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(lo, 0))
        .build()
        .start()) {
      io.imlink.server.ServerApiClient api = new io.imlink.server.ServerApiClient(
          server.httpApiUri().orElseThrow(), "chat-app", "chat-app-secret");
      api.publishPrivate("bob", java.util.List.of("amy"), "RC:TxtMsg", "{\"content\":\"waiting for you\"}");
      java.nio.file.Path script = tmp.resolve("script.txt");
      java.nio.file.Files.writeString(script,
          "hello before a recipient\n/to bob\nhi \"bob\"\n/wait\n/history 5\n/conversations\n/quit\n");
      Run r = run("chat", "--server", server.listenUris().get(0).toString(), "--app-key", "chat-app",
          "--token", api.getToken("amy"), "--data-dir", tmp.resolve("amy").toString(), "--script", script.toString());
      assertThat(r.code()).isZero();
      assertThat(r.out())
          .contains("connected as amy")
          .contains("{\"content\":\"waiting for you\"}")
          .contains("no recipient: type /to USER first")
          .contains("talking to bob")
          .contains("me       {\"content\":\"hi \\\"bob\\\"\"}  [sent]")
          .contains("history  amy: {\"content\":\"hi \\\"bob\\\"\"} [SENT]");
      // bob gets what amy typed.
      try (io.imlink.api.ImEngine bob = io.imlink.api.ImEngine.builder("chat-app").server(server.listenUris().get(0))
          .dataDirectory(tmp.resolve("bob")).build()) {
        java.util.concurrent.CompletableFuture<io.imlink.api.Message> got = new java.util.concurrent.CompletableFuture<>();
        bob.addMessageListener((m, left, offline) -> got.complete(m));
        bob.connect(api.getToken("bob"), 0);
        assertThat(got.get(10, java.util.concurrent.TimeUnit.SECONDS).content()).isEqualTo("{\"content\":\"hi \\\"bob\\\"\"}");
      }
    }
  }
}
