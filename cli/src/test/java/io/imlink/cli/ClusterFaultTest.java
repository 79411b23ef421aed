package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.MessageStatus;
import io.imlink.api.ReconnectPolicy;
import io.imlink.server.ServerApiClient;
import io.imlink.server.store.postgres.EmbeddedPostgresFixture;
import io.imlink.tck.Await;
import io.imlink.tck.Network;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The messaging fault run across a cluster of real server processes: three {@code imlink server
 * --store postgres --cluster hazelcast} JVMs on one embedded PostgreSQL, and two users whose engines
 * know all three nodes, each first on a node of its own, exchanging messages while their nodes are
 * killed hard (SIGKILL) and started again. Received equals sent, nothing twice, in the senders'
 * order; and once both have signed out, no node still counts either online (the dead members'
 * sessions left the directory).
 *
 * <p>{@value #MESSAGES_PROPERTY} sets the messages per user: 500 in CI, 5,000 (10,000 in all) for
 * the benchmark-size run ({@code ./mvnw -pl cli verify -Dtest=ClusterFaultTest
 * -Dimlink.cluster.faults.messages=5000}).
 */
@Timeout(300)
class ClusterFaultTest {
  static final String MESSAGES_PROPERTY = "imlink.cluster.faults.messages";
  private static final String APP = "cluster-app";
  private static final String SECRET = "cluster-app-secret-0123";

  @TempDir Path tmp;
  private final List<Node> nodes = new ArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();
  /** Set once every message was received: a chaos that goes on until then stops. */
  private final java.util.concurrent.atomic.AtomicBoolean delivered = new java.util.concurrent.atomic.AtomicBoolean();

  /** One server process, with the ports it keeps across restarts. */
  private final class Node {
    final int index;
    final int tcp = Network.freePort();
    final int http = Network.freePort();
    final int member = Network.freePort();
    Process process;

    Node(int index) {
      this.index = index;
    }

    URI uri() {
      return URI.create("tcp://127.0.0.1:" + tcp);
    }

    ServerApiClient api() {
      return new ServerApiClient(URI.create("http://127.0.0.1:" + http), APP, SECRET);
    }

    void start(String url, String clusterName, String members, Path secret) throws Exception {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
          Main.class.getName(), "server", "--listen", uri().toString(), "--http", "127.0.0.1:" + http, "--app-key", APP,
          "--app-secret-file", secret.toString(), "--data-dir", tmp.resolve("node-" + index).toString(),
          "--store", "postgres", "--jdbc-url", url, "--jdbc-user", EmbeddedPostgresFixture.user(),
          "--cluster", "hazelcast", "--cluster-name", clusterName, "--cluster-port", String.valueOf(member)));
      for (String m : members.split(",")) {
        command.add("--member");
        command.add(m);
      }
      process = new ProcessBuilder(command)
          .redirectError(tmp.resolve("node-" + index + "-" + System.nanoTime() + ".err").toFile())
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
            } catch (java.io.IOException ignored) {
              // the process ended
            }
          }, "node-" + index + "-stdout");
          drain.setDaemon(true);
          drain.start();
          return;
        }
      }
      throw new AssertionError("node " + index + " did not start: " + seen);
    }

    void kill() throws InterruptedException {
      process.destroyForcibly(); // SIGKILL: no goodbye to clients or members
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @AfterEach
  void stopEverything() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    for (Node n : nodes) {
      if (n.process != null && n.process.isAlive()) {
        n.process.destroyForcibly();
        n.process.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private final class User {
    final String id;
    final ImEngine engine;
    final List<Message> received = new CopyOnWriteArrayList<>();

    User(String id, List<URI> servers) {
      this(id, servers, Duration.ofMillis(500), Duration.ofMillis(300));
    }

    User(String id, List<URI> servers, Duration ping, Duration pong) {
      this.id = id;
      engine = ImEngine.builder(APP).servers(servers).dataDirectory(tmp.resolve("client-" + id))
          .reconnectPolicy(ReconnectPolicy.fixed(Duration.ofMillis(100)))
          .pingInterval(ping).pongTimeout(pong).build();
      closing.add(engine);
      engine.addMessageListener((m, left, offline) -> received.add(m));
    }
  }

  /** The three nodes started, and the two users connected: Alice first to node 0, Bob to node 1. */
  private User[] cluster(String url, String clusterName, String members, Path secret) throws Exception {
    for (Node n : nodes) {
      startWithMembers(n, url, clusterName, members, secret);
    }
    ServerApiClient api = nodes.get(2).api();
    // Alice tries node 0 first, Bob node 1: each goes on to the next when its node is gone.
    User alice = new User("alice", List.of(nodes.get(0).uri(), nodes.get(1).uri(), nodes.get(2).uri()));
    User bob = new User("bob", List.of(nodes.get(1).uri(), nodes.get(2).uri(), nodes.get(0).uri()));
    alice.engine.connect(api.getToken("alice"), 0);
    bob.engine.connect(api.getToken("bob"), 0);
    Await.until("both connected", () -> alice.engine.getConnectionStatus() == ConnectionStatus.CONNECTED
        && bob.engine.getConnectionStatus() == ConnectionStatus.CONNECTED, Duration.ofSeconds(30));
    return new User[] {alice, bob};
  }

  /**
   * Alice and Bob send {@code perSide} messages each while {@code chaos} runs, spread over its first
   * {@code rounds} rounds of two faults each (a share once each round has begun), and chaos goes on until
   * {@link #delivered} is set (once everything was received) or ends by itself; then each has
   * received the other's, once each, in the order sent; then both sign out and no node counts
   * either online.
   */
  private void exchange(User alice, User bob, int perSide, int rounds, Thread chaos, List<String> faults,
      java.util.function.IntPredicate expectedFaults) throws Exception {
    List<CompletableFuture<Message>> aliceSends = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Message>> bobSends = Collections.synchronizedList(new ArrayList<>());
    chaos.start();
    for (int i = 0; i < perSide; i++) {
      int round = (int) ((long) i * rounds / perSide);
      if (round > 0 && (long) (i - 1) * rounds / perSide < round) { // the next share waits for the next fault
        Await.until("fault round " + round, () -> faults.size() >= 2 * round || !chaos.isAlive(), Duration.ofSeconds(120));
      }
      aliceSends.add(alice.engine.sendMessage("bob", "RC:TxtMsg", "{\"content\":\"a" + i + "\"}"));
      bobSends.add(bob.engine.sendMessage("alice", "RC:TxtMsg", "{\"content\":\"b" + i + "\"}"));
      if (i % 50 == 0) {
        Thread.sleep(20); // spread the sends over the faults
      }
    }

    for (Object[] pair : new Object[][] {{aliceSends, bob}, {bobSends, alice}}) {
      @SuppressWarnings("unchecked")
      List<CompletableFuture<Message>> sends = (List<CompletableFuture<Message>>) pair[0];
      User receiver = (User) pair[1];
      List<Message> sent = new ArrayList<>();
      for (CompletableFuture<Message> f : sends) {
        sent.add(f.get(120, TimeUnit.SECONDS));
      }
      assertThat(sent).extracting(Message::status).containsOnly(MessageStatus.SENT);
      Await.until("everything received", () -> receiver.received.size() >= perSide, Duration.ofSeconds(120));
      Set<String> ids = new HashSet<>();
      for (Message m : receiver.received) {
        assertThat(ids.add(m.serverMessageId())).as("received twice: %s", m.content()).isTrue();
      }
      assertThat(ids).containsExactlyInAnyOrderElementsOf(sent.stream().map(Message::serverMessageId).toList());
      for (int i = 1; i < sent.size(); i++) {
        assertThat(sent.get(i).orderKey()).as("order of message %d", i).isGreaterThan(sent.get(i - 1).orderKey());
      }
    }
    delivered.set(true);
    chaos.join();
    System.out.println(perSide * 2 + " messages delivered through " + faults.size() + " faults: " + faults);
    assertThat(faults).as("the faults").allMatch(f -> !f.startsWith("chaos failed"));
    assertThat(expectedFaults.test(faults.size())).as("the faults: %s", faults).isTrue();

    for (Node n : nodes) {
      ServerApiClient through = n.api();
      Await.until("alice and bob online through node " + n.index, () -> online(through, "alice") && online(through, "bob"),
          Duration.ofSeconds(30));
    }
    alice.engine.disconnect();
    bob.engine.disconnect();
    for (Node n : nodes) {
      ServerApiClient through = n.api();
      Await.until("no node counts alice or bob online (node " + n.index + ")",
          () -> !online(through, "alice") && !online(through, "bob"), Duration.ofSeconds(30));
    }
  }

  private static boolean online(ServerApiClient api, String user) {
    try {
      return api.checkOnline(user);
    } catch (Exception e) {
      throw new AssertionError("checkOnline failed", e);
    }
  }

  private String[] setUp() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    Files.writeString(tmp.resolve("secret"), SECRET + "\n");
    for (int i = 0; i < 3; i++) {
      nodes.add(new Node(i));
    }
    String members = nodes.stream().map(n -> "127.0.0.1:" + n.member).collect(Collectors.joining(","));
    return new String[] {url, "imlink-faults-" + UUID.randomUUID(), members};
  }

  /**
   * Nodes are killed and restarted, in eight rounds over which the messages are spread, and on
   * until everything was delivered: first Alice's and Bob's first nodes in turn, then every node in
   * turn, and every fourth round two nodes at once, leaving one.
   */
  private static final int ROUNDS = 8;

  @Test
  void twoUsersOnDifferentNodesLoseNothingWhileTheirNodesAreKilledAndRestarted() throws Exception {
    int perSide = Integer.getInteger(MESSAGES_PROPERTY, 500);
    String[] c = setUp();
    Path secret = tmp.resolve("secret");
    User[] users = cluster(c[0], c[1], c[2], secret);
    List<String> faults = new CopyOnWriteArrayList<>();
    Thread chaos = new Thread(() -> {
      try {
        for (int round = 0; round < ROUNDS || (!delivered.get() && round < 60); round++) {
          List<Node> victims = round < 4 ? List.of(nodes.get(round % 2)) // alice's first node, then bob's
              : round % 4 == 3 ? List.of(nodes.get(round % 3), nodes.get((round + 1) % 3)) // two at once
              : List.of(nodes.get(round % 3));
          Thread.sleep(300); // let messages flow between faults
          for (Node victim : victims) {
            victim.kill();
            faults.add("killed node " + victim.index);
          }
          Thread.sleep(500);
          for (Node victim : victims) {
            startWithMembers(victim, c[0], c[1], c[2], secret);
            faults.add("restarted node " + victim.index);
          }
        }
      } catch (Exception e) {
        faults.add("chaos failed: " + e);
      }
    }, "chaos");
    exchange(users[0], users[1], perSide, ROUNDS, chaos, faults, n -> n >= 2 * ROUNDS + 2 && n % 2 == 0);
  }

  /**
   * Alice's node stalls (SIGSTOP) for longer than the member timeout, so that the others remove it
   * and she moves to another node, then comes back (SIGCONT) and merges into the cluster again:
   * nothing is lost, and once both sign out no node, the one that stalled included, counts either
   * online.
   */
  @Test
  void aNodeThatStallsAndComesBackLosesNothingAndLeavesNoOneRegisteredTwice() throws Exception {
    int perSide = Integer.getInteger(MESSAGES_PROPERTY, 500);
    String[] c = setUp();
    User[] users = cluster(c[0], c[1], c[2], tmp.resolve("secret"));
    // Carol stays on node 0 through the stall (her pings are far apart): once it has merged back,
    // the others must know her session again.
    User carol = new User("carol", List.of(nodes.get(0).uri()), Duration.ofSeconds(60), Duration.ofSeconds(60));
    carol.engine.connect(nodes.get(2).api().getToken("carol"), 0);
    Await.until("carol connected", () -> carol.engine.getConnectionStatus() == ConnectionStatus.CONNECTED,
        Duration.ofSeconds(30));
    List<String> faults = new CopyOnWriteArrayList<>();
    Thread chaos = new Thread(() -> {
      try {
        Node stalled = nodes.get(0);
        Thread.sleep(300);
        signal(stalled.process, "STOP");
        faults.add("stopped node 0");
        Thread.sleep(14_000); // past the 10 s member timeout: the others remove it
        signal(stalled.process, "CONT");
        faults.add("continued node 0");
      } catch (Exception e) {
        faults.add("chaos failed: " + e);
      }
    }, "chaos");
    exchange(users[0], users[1], perSide, 1, chaos, faults, n -> n == 2);
    assertThat(carol.engine.getConnectionStatus()).as("carol stayed on the node that stalled")
        .isEqualTo(ConnectionStatus.CONNECTED);
    for (Node n : nodes) {
      ServerApiClient through = n.api();
      Await.until("carol online again through node " + n.index + " (registered again after the merge)",
          () -> online(through, "carol"), Duration.ofSeconds(30));
    }
  }

  /**
   * Two of the three nodes die at once, so that the directory loses the partitions whose copy and
   * backup were both on them: the users who stay on the surviving node are still known as online
   * (through it, and through the dead nodes once they are back), and their messages still reach
   * them live.
   */
  @Test
  void usersOnTheSurvivingNodeStayKnownWhenTheOtherTwoDieAtOnce() throws Exception {
    String[] c = setUp();
    Path secret = tmp.resolve("secret");
    for (Node n : nodes) {
      startWithMembers(n, c[0], c[1], c[2], secret);
    }
    ServerApiClient api = nodes.get(2).api();
    // With a backup count of one, about a third of the partitions lose both copies: of 30 users,
    // some are all but sure to be on them.
    List<User> stayers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      User u = new User("stayer-" + i, List.of(nodes.get(2).uri()), Duration.ofSeconds(60), Duration.ofSeconds(60));
      u.engine.connect(api.getToken("stayer-" + i), 0);
      stayers.add(u);
    }
    Await.until("the stayers connected", () -> stayers.stream()
        .allMatch(u -> u.engine.getConnectionStatus() == ConnectionStatus.CONNECTED), Duration.ofSeconds(60));
    for (Node n : nodes) {
      ServerApiClient through = n.api();
      Await.until("the stayers online through node " + n.index,
          () -> stayers.stream().allMatch(u -> online(through, u.id)), Duration.ofSeconds(30));
    }
    nodes.get(0).kill();
    nodes.get(1).kill();
    Await.until("every stayer online through the survivor (registered again after the lost partitions)",
        () -> stayers.stream().allMatch(u -> online(api, u.id)), Duration.ofSeconds(30));
    startWithMembers(nodes.get(0), c[0], c[1], c[2], secret);
    startWithMembers(nodes.get(1), c[0], c[1], c[2], secret);
    User sender = new User("sender", List.of(nodes.get(0).uri()));
    sender.engine.connect(nodes.get(0).api().getToken("sender"), 0);
    Await.until("sender connected", () -> sender.engine.getConnectionStatus() == ConnectionStatus.CONNECTED,
        Duration.ofSeconds(30));
    for (User u : stayers) {
      sender.engine.sendMessage(u.id, "RC:TxtMsg", "{\"content\":\"hello\"}");
    }
    for (Node n : nodes) {
      ServerApiClient through = n.api();
      Await.until("every stayer online through node " + n.index,
          () -> stayers.stream().allMatch(u -> online(through, u.id)), Duration.ofSeconds(30));
    }
    // Their pings are a minute apart: only a live delivery through the directory reaches them now.
    Await.until("every stayer received the message live", () -> stayers.stream().allMatch(u -> u.received.size() == 1),
        Duration.ofSeconds(30));
  }

  private static void signal(Process p, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %d", signal, p.pid()).isTrue();
  }

  private static void startWithMembers(Node n, String url, String clusterName, String members, Path secret)
      throws Exception {
    n.start(url, clusterName, members, secret);
  }
}
