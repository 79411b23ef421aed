package io.imlink.cli;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ConversationType;
import io.imlink.api.Message;
import io.imlink.api.ImEngine;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The main job: an embedded server on loopback, an app backend that gets tokens through the
 * signed HTTP API, and users connecting, losing their session, being revoked, and timing out —
 * each callback and status change printed with its time. Finishes by itself; exit code 0 when
 * everything behaved as the connect specification says, 1 otherwise.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the connect demo against an embedded server on loopback, then exit.")
final class DemoCommand implements Callable<Integer> {
  private static final String APP_KEY = "demo-app";
  private static final String APP_SECRET = "demo-app-secret-change-me";
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Timeline t = new Timeline(out);
    Path data = Files.createTempDirectory("imlink-demo");
    List<WatchedEngine> engines = new ArrayList<>();
    InetAddress loopback = InetAddress.getLoopbackAddress();
    String lo = loopback.getHostAddress();
    try (ImServer server = ImServer.builder()
        .app(APP_KEY, APP_SECRET)
        .listen(URI.create("tcp://" + lo + ":0"))
        .listen(URI.create("ws://" + lo + ":0/im"))
        .listen(URI.create("grpc://" + lo + ":0"))
        .httpApi(new InetSocketAddress(loopback, 0))
        .dataDirectory(data.resolve("server"))
        .build()
        .start()) {
      URI tcp = server.listenUris().get(0);
      URI apiUri = server.httpApiUri().orElseThrow();
      t.raw("imlink demo: an embedded server on loopback; an app backend gets tokens through the signed HTTP API;");
      t.raw("users connect over TCP, WebSocket and gRPC. Every callback and status change is printed with the time");
      t.raw("since the start.");
      for (URI u : server.listenUris()) {
        t.print("server", "listening on " + u);
      }
      t.print("server", "HTTP API on " + apiUri + ", app key " + APP_KEY);
      ServerApiClient backend = new ServerApiClient(apiUri, APP_KEY, APP_SECRET);

      t.heading("1. alice and bob get tokens from the app backend and connect (timeout 10 s)");
      String aliceToken = token(t, backend, "alice");
      String bobToken = token(t, backend, "bob");
      WatchedEngine alice = watch(engines, t, "alice", tcp, data);
      WatchedEngine bob = watch(engines, t, "bob", tcp, data);
      expect(alice.connect(aliceToken, 10) == 0, "alice's connect is accepted");
      alice.awaitStatus(ConnectionStatus.CONNECTED, 0, WAIT);
      expect(bob.connect(bobToken, 10) == 0, "bob's connect is accepted");
      bob.awaitStatus(ConnectionStatus.CONNECTED, 0, WAIT);
      expect(alice.connect(aliceToken, 10) == 34001, "a second connect while connected returns 34001");
      t.print("alice", "a second connect(token, 10) returned 34001 (CONNECTION_EXIST) and fired nothing");
      t.print("backend", "checkOnline(alice) = " + backend.checkOnline("alice"));

      t.heading("2. the server drops alice's session; the SDK reconnects by itself");
      int mark = alice.mark();
      t.print("server", "dropping alice's connection (" + server.dropConnections(APP_KEY, "alice") + " closed)");
      alice.awaitStatus(ConnectionStatus.SUSPEND, mark, WAIT);
      alice.awaitStatus(ConnectionStatus.CONNECTED, mark, WAIT);
      t.print("alice", "reconnected without a second onConnected");

      t.heading("3. the backend revokes alice's tokens; her live session stays, her next reconnect gets 31004");
      backend.expireTokens(Instant.now().plusMillis(1), "alice");
      t.print("backend", "POST /user/token/expire.json userId=alice → 200");
      t.print("alice", "still " + alice.engine().getConnectionStatus() + " (revocation does not cut live sessions)");
      mark = alice.mark();
      t.print("server", "dropping alice's connection again");
      server.dropConnections(APP_KEY, "alice");
      alice.awaitStatus(ConnectionStatus.TOKEN_INCORRECT, mark, WAIT);
      t.print("alice", "gave up for good: the app must get a new token from its backend");

      t.heading("4. carol connects with a 2 s timeout to an address where nothing listens");
      URI nowhere = URI.create("tcp://" + loopback.getHostAddress() + ":" + freePort());
      WatchedEngine carol = watch(engines, t, "carol", nowhere, data);
      expect(carol.connect(token(t, backend, "carol"), 2) == 0, "carol's connect is accepted");
      carol.await("onConnected(34006", 0, WAIT);
      t.print("carol", "no attempt follows a 34006: the app decides when to call connect again");

      t.heading("5. one user per transport, all on the same server");
      int before = server.sessionCount();
      String[] names = {"dave", "erin", "frank"};
      for (int i = 0; i < names.length; i++) {
        URI via = server.listenUris().get(i);
        WatchedEngine user = watch(engines, t, names[i], via, data);
        t.print(names[i], "connecting over " + via.getScheme() + " to " + via);
        expect(user.connect(token(t, backend, names[i]), 10) == 0, names[i] + "'s connect is accepted");
        user.awaitStatus(ConnectionStatus.CONNECTED, 0, WAIT);
      }
      t.print("server", (server.sessionCount() - before) + " more sessions, one per transport; checkOnline: dave="
          + backend.checkOnline("dave") + " erin=" + backend.checkOnline("erin") + " frank=" + backend.checkOnline("frank"));

      t.heading("6. messages across transports: dave (tcp) and erin (ws) talk; frank (grpc) is away and catches up");
      WatchedEngine dave = engines.get(engines.size() - 3);
      WatchedEngine erin = engines.get(engines.size() - 2);
      WatchedEngine frank = engines.get(engines.size() - 1);
      int erinMark = erin.mark();
      Message hello = dave.engine().sendMessage("erin", "RC:TxtMsg", "{\"content\":\"hello erin, from tcp\"}")
          .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      t.print("dave", "sent: server id " + hello.serverMessageId() + ", order " + hello.orderKey() + ", " + hello.status());
      erin.await("received from dave", erinMark, WAIT);
      int daveMark = dave.mark();
      erin.engine().sendMessage("dave", "RC:TxtMsg", "{\"content\":\"hi dave, from ws\"}")
          .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      dave.await("received from erin", daveMark, WAIT);
      int frankMark = frank.mark();
      expect(frank.engine().disconnect() == 0, "frank signs out");
      frank.awaitStatus(ConnectionStatus.SIGN_OUT, frankMark, WAIT);
      for (int i = 1; i <= 3; i++) {
        dave.engine().sendMessage("frank", "RC:TxtMsg", "{\"content\":\"backlog " + i + " of 3\"}")
            .get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      }
      t.print("dave", "sent 3 messages to frank while he is away: they wait in the server's inbox");
      frankMark = frank.mark();
      expect(frank.connect(token(t, backend, "frank"), 10) == 0, "frank reconnects");
      frank.awaitCount("received from dave", frankMark, 3, WAIT);
      var conversation = frank.engine().getConversations(10).get(0);
      t.print("frank", "conversation with " + conversation.targetId() + ": " + conversation.unreadCount() + " unread, last "
          + conversation.lastMessage().content());
      t.print("dave", "history with erin: " + dave.engine().getHistory(ConversationType.PRIVATE, "erin", null, 10).size()
          + " messages, newest first: " + dave.engine().getHistory(ConversationType.PRIVATE, "erin", null, 10).stream()
              .map(m -> m.direction() + " " + m.content()).toList());

      t.heading("7. bob signs out");
      mark = bob.mark();
      expect(bob.engine().disconnect() == 0, "disconnect returns 0");
      bob.awaitStatus(ConnectionStatus.SIGN_OUT, mark, WAIT);
      // The sign-out frame travels to the server after the status is reported: give it a moment.
      boolean online = backend.checkOnline("bob");
      for (int i = 0; online && i < 200; i++) {
        Thread.sleep(10);
        online = backend.checkOnline("bob");
      }
      t.print("backend", "checkOnline(bob) = " + online);

      t.heading("done");
      t.print("server", "sessions accepted " + server.stats().sessionsAccepted()
          + ", connect requests " + server.stats().connectRequests()
          + ", refused " + server.stats().connectsRefused());
      // The users sign out while the server still runs (closing twice, in finally, is harmless).
      for (WatchedEngine e : engines) {
        e.close();
      }
      return 0;
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("demo failed: " + e.getMessage());
      return 1;
    } finally {
      for (WatchedEngine e : engines) {
        e.close();
      }
      deleteRecursively(data);
    }
  }

  private static String token(Timeline t, ServerApiClient backend, String user) throws IOException {
    String token = backend.getToken(user);
    t.print("backend", "POST /user/getToken.json userId=" + user + " → token of " + token.length() + " chars");
    return token;
  }

  private static WatchedEngine watch(List<WatchedEngine> engines, Timeline t, String name, URI server, Path data) {
    ImEngine engine = ImEngine.builder(APP_KEY).server(server).dataDirectory(data.resolve("clients")).build();
    WatchedEngine w = new WatchedEngine(name, engine, t);
    engines.add(w);
    return w;
  }

  private static void expect(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException("expected: " + what);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
