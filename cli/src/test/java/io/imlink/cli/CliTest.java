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
        .contains("checkOnline(bob) = false");
    // Callbacks in order: database before connected, for each user.
    assertThat(r.out().indexOf("alice    onDatabaseOpened(0)")).isLessThan(r.out().indexOf("alice    onConnected(0"));
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
      assertThat(refused.code()).isNotZero();
      assertThat(refused.err()).contains("HTTP 401").contains("signature mismatch");

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
}
