package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.Message;
import io.imlink.api.MessageStatus;
import io.imlink.server.ServerApiClient;
import io.imlink.server.store.postgres.EmbeddedPostgresFixture;
import io.imlink.tck.Await;
import java.net.URI;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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

  @TempDir Path tmp;
  private ClusterProcesses cluster;
  private List<ServerProcess> nodes;
  /** Set once every message was received: a chaos that goes on until then stops. */
  private final java.util.concurrent.atomic.AtomicBoolean delivered = new java.util.concurrent.atomic.AtomicBoolean();
  private static final int ROUNDS = 8;

  @BeforeEach
  void processes() {
    cluster = new ClusterProcesses(tmp, "cluster-fault-logs");
    nodes = cluster.nodes;
  }

  @AfterEach
  void stopEverything() throws Exception {
    cluster.close();
  }

  private ClusterUser user(String id, List<URI> servers) {
    return cluster.user(id, servers, Duration.ofMillis(500), Duration.ofMillis(300));
  }

  /** The three nodes started, and the two users connected: Alice first to node 0, Bob to node 1. */
  private ClusterUser[] cluster(String url, String clusterName, List<String> members, Path secret) throws Exception {
    for (ServerProcess n : nodes) {
      n.start(url, clusterName, members, secret, "--verbose"); // the log (kept in target/) shows the faults
    }
    ServerApiClient api = nodes.get(2).api();
    // Alice tries node 0 first, Bob node 1: each goes on to the next when its node is gone.
    ClusterUser alice = user("alice", cluster.uris(0, 1, 2));
    ClusterUser bob = user("bob", cluster.uris(1, 2, 0));
    alice.engine.connect(api.getToken("alice"), 0);
    bob.engine.connect(api.getToken("bob"), 0);
    Await.until("both connected", () -> alice.connected() && bob.connected(), Duration.ofSeconds(30));
    return new ClusterUser[] {alice, bob};
  }

  /**
   * Alice and Bob send {@code perSide} messages each while {@code chaos} runs, spread over its first
   * {@code rounds} rounds of two faults each, and chaos goes on until {@link #delivered} is set (or
   * ends by itself); then each has
   * received the other's, once each, in the order sent; then both sign out and no node counts
   * either online.
   */
  private void exchange(ClusterUser alice, ClusterUser bob, int perSide, int rounds, Thread chaos, List<String> faults,
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
      ClusterUser receiver = (ClusterUser) pair[1];
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

    for (ServerProcess n : nodes) {
      Await.until("alice and bob online through node " + n.index, () -> n.online("alice") && n.online("bob"),
          Duration.ofSeconds(30));
    }
    alice.engine.disconnect();
    bob.engine.disconnect();
    for (ServerProcess n : nodes) {
      Await.until("no node counts alice or bob online (node " + n.index + ")",
          () -> !n.online("alice") && !n.online("bob"), Duration.ofSeconds(30));
    }
  }

  private String[] setUp() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    Files.writeString(tmp.resolve("secret"), ServerProcess.SECRET + "\n");
    for (int i = 0; i < 3; i++) {
      nodes.add(ServerProcess.onLoopback(i, tmp));
    }
    return new String[] {url, "imlink-faults-" + UUID.randomUUID()};
  }


  /**
   * Nodes are killed and restarted, in eight rounds over which the messages are spread, and on
   * until everything was delivered: first Alice's and Bob's first nodes in turn, then every node in
   * turn, and every fourth round two nodes at once, leaving one.
   */
  @Test
  void twoUsersOnDifferentNodesLoseNothingWhileTheirNodesAreKilledAndRestarted() throws Exception {
    int perSide = Integer.getInteger(MESSAGES_PROPERTY, 500);
    String[] c = setUp();
    Path secret = tmp.resolve("secret");
    ClusterUser[] users = cluster(c[0], c[1], cluster.members(), secret);
    List<String> faults = new CopyOnWriteArrayList<>();
    Thread chaos = new Thread(() -> {
      try {
        for (int round = 0; round < ROUNDS || (!delivered.get() && round < 60); round++) {
          List<ServerProcess> victims = round < 4 ? List.of(nodes.get(round % 2)) // alice's first node, then bob's
              : round % 4 == 3 ? List.of(nodes.get(round % 3), nodes.get((round + 1) % 3)) // two at once
              : List.of(nodes.get(round % 3));
          Thread.sleep(300); // let messages flow between faults
          for (ServerProcess victim : victims) {
            victim.kill();
            faults.add("killed node " + victim.index);
          }
          Thread.sleep(500);
          for (ServerProcess victim : victims) {
            victim.start(c[0], c[1], cluster.members(), secret, "--verbose");
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
    ClusterUser[] users = cluster(c[0], c[1], cluster.members(), tmp.resolve("secret"));
    // Carol stays on node 0 through the stall (her pings are far apart): once it has merged back,
    // the others must know her session again.
    ClusterUser carol = cluster.user("carol", cluster.uris(0), Duration.ofSeconds(60), Duration.ofSeconds(60));
    carol.engine.connect(nodes.get(2).api().getToken("carol"), 0);
    Await.until("carol connected", carol::connected, Duration.ofSeconds(30));
    List<String> faults = new CopyOnWriteArrayList<>();
    Thread chaos = new Thread(() -> {
      try {
        ServerProcess stalled = nodes.get(0);
        Thread.sleep(300);
        stalled.signal("STOP");
        faults.add("stopped node 0");
        Thread.sleep(14_000); // past the 10 s member timeout: the others remove it
        stalled.signal("CONT");
        faults.add("continued node 0");
      } catch (Exception e) {
        faults.add("chaos failed: " + e);
      }
    }, "chaos");
    exchange(users[0], users[1], perSide, 1, chaos, faults, n -> n == 2);
    assertThat(carol.engine.getConnectionStatus()).as("carol stayed on the node that stalled")
        .isEqualTo(ConnectionStatus.CONNECTED);
    for (ServerProcess n : nodes) {
      Await.until("carol online again through node " + n.index + " (registered again after the merge)",
          () -> n.online("carol"), Duration.ofSeconds(30));
    }
  }

  /**
   * Two of the three nodes die at once, so that the directory loses the partitions whose copy and
   * backup were both on them: the users who stay on the surviving node are still known as online
   * (through it, and through the dead nodes once they are back), and still get live deliveries.
   */
  @Test
  void usersOnTheSurvivingNodeStayKnownWhenTheOtherTwoDieAtOnce() throws Exception {
    String[] c = setUp();
    Path secret = tmp.resolve("secret");
    for (ServerProcess n : nodes) {
      n.start(c[0], c[1], cluster.members(), secret, "--verbose");
    }
    ServerProcess survivor = nodes.get(2);
    // With one backup, about a third of the partitions lose both copies: of 30 users, some are all
    // but sure to be on them.
    List<String> ids = new ArrayList<>();
    List<ClusterUser> stayers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ids.add("stayer-" + i);
      ClusterUser u = cluster.user("stayer-" + i, cluster.uris(2), Duration.ofSeconds(60), Duration.ofSeconds(60));
      u.engine.connect(survivor.api().getToken("stayer-" + i), 0);
      stayers.add(u);
    }
    Await.until("the stayers connected", () -> stayers.stream().allMatch(ClusterUser::connected), Duration.ofSeconds(60));
    for (ServerProcess n : nodes) {
      Await.until("the stayers online through node " + n.index, () -> ids.stream().allMatch(n::online),
          Duration.ofSeconds(30));
    }
    nodes.get(0).kill();
    nodes.get(1).kill();
    Await.until("every stayer online through the survivor (registered again after the lost partitions)",
        () -> ids.stream().allMatch(survivor::online), Duration.ofSeconds(30));
    nodes.get(0).start(c[0], c[1], cluster.members(), secret, "--verbose");
    nodes.get(1).start(c[0], c[1], cluster.members(), secret, "--verbose");
    ClusterUser sender = user("sender", cluster.uris(0));
    sender.engine.connect(nodes.get(0).api().getToken("sender"), 0);
    Await.until("sender connected", sender::connected, Duration.ofSeconds(30));
    for (String id : ids) {
      sender.engine.sendMessage(id, "RC:TxtMsg", "{\"content\":\"hello\"}");
    }
    for (ServerProcess n : nodes) {
      Await.until("every stayer online through node " + n.index, () -> ids.stream().allMatch(n::online),
          Duration.ofSeconds(30));
    }
    // Their pings are a minute apart: only a live delivery through the directory reaches them now.
    Await.until("every stayer received the message live", () -> stayers.stream().allMatch(u -> u.received.size() == 1),
        Duration.ofSeconds(30));
  }
}
