package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.Message;
import io.imlink.api.MessageStatus;
import io.imlink.server.store.postgres.EmbeddedPostgresFixture;
import io.imlink.tck.Await;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real network partition between the members of a three-node cluster, while both sides keep
 * serving the same user: three {@code imlink server --store postgres --cluster hazelcast} processes,
 * each in a network namespace of its own ({@link NetnsNetwork}), with the members on one bridge and
 * each node's clients and PostgreSQL on a link of its own. Node 0's member link is cut for longer
 * than the member timeout: node 0 forms a cluster alone and keeps Alice's desktop A, while on the
 * other side (nodes 1 and 2) Alice's second desktop installation B logs in and is admitted, and Bob
 * and both of Alice's devices exchange messages. When the link is back, Hazelcast merges node 0 into
 * the larger side, and the directory converges: the newer login (B) wins, A is closed as kicked
 * (31010), nothing Bob or Alice sent is lost or received twice, Alice is online through every node,
 * and so is Carol, who stayed on node 0 through the split (the larger side had removed her); once
 * everyone signs out no node counts anyone online: nobody is left registered twice or stale.
 *
 * <p>Needs root and iproute2 (see {@link NetnsNetwork#create}).
 */
@Timeout(240)
class ClusterPartitionTest {
  private static final Duration MEMBER_TIMEOUT = Duration.ofSeconds(4);
  private static final int PER_PHASE = 20;

  @TempDir Path tmp;
  private NetnsNetwork network;
  private ClusterProcesses cluster;
  private List<ServerProcess> nodes;

  @BeforeEach
  void processes() {
    cluster = new ClusterProcesses(tmp, "cluster-partition-logs");
    nodes = cluster.nodes;
  }

  @AfterEach
  void stopEverything() throws Exception {
    try {
      cluster.close();
    } finally {
      if (network != null) {
        network.close();
      }
    }
  }

  private ClusterUser user(String installation, List<URI> servers) {
    // Pings 1 s apart (answered within 1 s): a ping after a membership change makes the session read
    // the inbox, so notifications a split lost are made up for within about a second.
    return cluster.user(installation, servers, Duration.ofSeconds(1), Duration.ofSeconds(1));
  }

  /** Sends {@code count} texts from {@code from} to {@code to}, tagged; waits until all are sent. */
  private static List<Message> send(ClusterUser from, String to, String tag, int count) throws Exception {
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      sends.add(from.engine.sendMessage(to, "RC:TxtMsg", "{\"content\":\"" + tag + i + "\"}"));
    }
    List<Message> sent = new ArrayList<>();
    for (CompletableFuture<Message> f : sends) {
      sent.add(f.get(60, TimeUnit.SECONDS));
    }
    assertThat(sent).as("%s sent", tag).extracting(Message::status).containsOnly(MessageStatus.SENT);
    return sent;
  }

  private static Set<String> ids(List<Message> messages) {
    Set<String> ids = new HashSet<>();
    for (Message m : messages) {
      ids.add(m.serverMessageId());
    }
    return ids;
  }

  /** Waits until {@code receiver} has every one of {@code sent}. */
  private static void awaitReceived(String what, ClusterUser receiver, List<Message> sent) throws Exception {
    Set<String> wanted = ids(sent);
    Await.until(what, () -> ids(receiver.received).containsAll(wanted), Duration.ofSeconds(30));
  }

  private static void assertNothingTwice(String who, ClusterUser u) {
    Set<String> seen = new HashSet<>();
    for (Message m : u.received) {
      assertThat(seen.add(m.serverMessageId())).as("%s received twice: %s", who, m.content()).isTrue();
    }
  }

  @Test
  void bothSidesOfACutMemberLinkServeTheSameUserAndConvergeWhenItHeals() throws Exception {
    network = NetnsNetwork.create(3);
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    Path secret = tmp.resolve("secret");
    Files.writeString(secret, ServerProcess.SECRET + "\n");
    for (int i = 0; i < 3; i++) {
      nodes.add(new ServerProcess(i, tmp, network.exec(i), network.nodeAddress(i), 8100, 8080,
          network.memberAddress(i), 5701));
    }
    List<String> members = cluster.members();
    String clusterName = "imlink-partition-" + UUID.randomUUID();
    for (ServerProcess n : nodes) {
      n.start(network.relayPostgres(n.index, url), clusterName, members, secret,
          "--member-timeout", MEMBER_TIMEOUT.toString(), "--verbose"); // the log shows the split and the merge
    }
    for (ServerProcess n : nodes) {
      Await.until("node " + n.index + " sees three members", () -> n.logCount("Members {size:3") > 0,
          Duration.ofSeconds(30));
    }

    // 1. Alice's desktop A on node 0, Bob on node 1; messages flow.
    ClusterUser aliceA = user("alice-a", cluster.uris(0, 1, 2));
    ClusterUser bob = user("bob", cluster.uris(1, 2, 0));
    aliceA.engine.connect(nodes.get(2).api().getToken("alice"), 0);
    bob.engine.connect(nodes.get(2).api().getToken("bob"), 0);
    // Carol knows only node 0 and stays there through the split (her pings are far apart): the
    // larger side removes her session, and once merged it must know it again.
    ClusterUser carol = cluster.user("carol", cluster.uris(0), Duration.ofSeconds(60), Duration.ofSeconds(60));
    carol.engine.connect(nodes.get(2).api().getToken("carol"), 0);
    Await.until("alice (A), bob and carol connected", () -> aliceA.connected() && bob.connected() && carol.connected(),
        Duration.ofSeconds(30));
    List<Message> fromBob = new ArrayList<>(send(bob, "alice", "b-before-", PER_PHASE));
    List<Message> toBob = new ArrayList<>(send(aliceA, "bob", "a-before-", PER_PHASE));
    awaitReceived("A has bob's first messages", aliceA, fromBob);
    awaitReceived("bob has A's first messages", bob, toBob);

    // 2. Node 0's member link cut past the member timeout: each side removes the other.
    network.cut(0);
    Await.until("node 0 alone, and nodes 1 and 2 without it",
        () -> nodes.get(0).logCount("cluster member left") >= 2 && nodes.get(1).logCount("cluster member left") >= 1
            && nodes.get(2).logCount("cluster member left") >= 1,
        Duration.ofSeconds(30));
    Await.until("the larger side no longer has alice's and carol's sessions on node 0",
        () -> !nodes.get(1).online("alice") && !nodes.get(2).online("carol"), Duration.ofSeconds(10));
    assertThat(nodes.get(0).online("bob")).as("node 0 no longer has bob's session on node 1").isFalse();
    // Node 0 alone lost every partition whose copies were all on the others (with one backup, about
    // a third); it registers its sessions there again.
    Await.until("node 0 still counts alice (A) and carol online", () -> nodes.get(0).online("alice")
        && nodes.get(0).online("carol"), Duration.ofSeconds(10));
    assertThat(aliceA.connected()).as("A stays on node 0").isTrue();

    // Alice's second desktop installation B logs in on the larger side and is admitted there.
    ClusterUser aliceB = user("alice-b", cluster.uris(1, 2, 0));
    aliceB.engine.connect(nodes.get(2).api().getToken("alice"), 0);
    Await.until("alice (B) connected through node 1", aliceB::connected, Duration.ofSeconds(30));
    assertThat(aliceA.connected()).as("A still on node 0: both sides serve alice").isTrue();
    fromBob.addAll(send(bob, "alice", "b-split-", PER_PHASE));
    toBob.addAll(send(aliceA, "bob", "a-split-", PER_PHASE));
    toBob.addAll(send(aliceB, "bob", "B-split-", PER_PHASE));
    awaitReceived("B has everything bob sent", aliceB, fromBob);

    // 3. Healed: node 0 merges into the larger side; the newer login (B) wins, A is kicked.
    network.heal(0);
    Await.until("node 0 merged back", () -> nodes.get(0).logCount("merged back into the cluster") > 0,
        Duration.ofSeconds(60));
    Await.until("A kicked", () -> aliceA.statuses.stream().anyMatch(s -> s.startsWith("KICKED")), Duration.ofSeconds(30));
    assertThat(aliceA.engine.getConnectionStatus()).isEqualTo(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT);
    assertThat(aliceA.statuses).as("A's statuses").endsWith("KICKED_OFFLINE_BY_OTHER_CLIENT(31010)");
    assertThat(aliceB.connected()).as("B, the newer login, stays").isTrue();
    fromBob.addAll(send(bob, "alice", "b-after-", PER_PHASE));
    toBob.addAll(send(aliceB, "bob", "B-after-", PER_PHASE));

    awaitReceived("B has everything bob sent", aliceB, fromBob);
    awaitReceived("bob has everything A and B sent", bob, toBob);
    assertNothingTwice("A", aliceA);
    assertNothingTwice("B", aliceB);
    assertNothingTwice("bob", bob);
    assertThat(ids(bob.received)).as("bob received exactly what alice's devices sent").isEqualTo(ids(toBob));
    assertThat(ids(aliceB.received)).as("B received exactly what bob sent").isEqualTo(ids(fromBob));
    assertThat(ids(fromBob)).as("A received only what bob sent").containsAll(ids(aliceA.received));

    assertThat(carol.connected()).as("carol stayed on node 0").isTrue();
    for (ServerProcess n : nodes) {
      Await.until("alice, bob and carol online through node " + n.index,
          () -> n.online("alice") && n.online("bob") && n.online("carol"), Duration.ofSeconds(30));
    }
    aliceB.engine.disconnect();
    bob.engine.disconnect();
    carol.engine.disconnect();
    for (ServerProcess n : nodes) {
      Await.until("no node counts alice, bob or carol online (node " + n.index + ")",
          () -> !n.online("alice") && !n.online("bob") && !n.online("carol"), Duration.ofSeconds(30));
    }
  }
}
