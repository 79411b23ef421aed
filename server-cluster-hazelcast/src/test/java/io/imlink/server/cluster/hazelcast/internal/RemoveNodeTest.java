package io.imlink.server.cluster.hazelcast.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.map.IMap;
import io.imlink.server.spi.ClusterConfig;
import io.imlink.server.spi.ClusterNode;
import io.imlink.server.spi.SessionEntry;
import io.imlink.tck.Await;
import io.imlink.tck.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The removal of a node's sessions from the directory, on two real members (so that it runs on a
 * remote key owner as well as the local one): a removal for a node that left holds only while that
 * node is not a member, so one that runs late, after the node merged back, removes nothing; the
 * removal a closing node makes of its own sessions always holds.
 */
@Timeout(120)
class RemoveNodeTest {
  private static final ClusterNode IGNORED = new ClusterNode() {
    @Override
    public void deliver(String appKey, String userId, List<byte[]> messages) {}

    @Override
    public void disconnect(String sessionId, int code, String reason) {}

    @Override
    public void disconnectUser(String appKey, String userId, int code, String reason) {}
  };

  private final List<HazelcastCluster> members = new ArrayList<>();

  @AfterEach
  void leave() {
    members.forEach(HazelcastCluster::close);
  }

  @Test
  void aLateRemovalOfAMemberThatIsBackRemovesNothingAndAClosingNodeRemovesItsOwn() throws Exception {
    int[] ports = {Network.freePort(), Network.freePort()};
    String list = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
    String name = "remove-node-" + UUID.randomUUID();
    for (int port : ports) {
      members.add(HazelcastCluster.join(new ClusterConfig(true,
          Map.of("port", String.valueOf(port), "members", list, "cluster-name", name)), IGNORED));
    }
    com.hazelcast.core.HazelcastInstance second = Hazelcast.getHazelcastInstanceByName("imlink-127.0.0.1-" + ports[1]);
    Await.until("two members", () -> second.getCluster().getMembers().size() == 2);
    IMap<String, ArrayList<SessionEntry>> sessions = second.getMap(HazelcastCluster.SESSIONS);
    String member = members.get(0).nodeId();
    for (int i = 0; i < 64; i++) { // spread over both members' partitions
      sessions.put("app\nu" + i, new ArrayList<>(List.of(
          new SessionEntry(member, "s" + i, "d" + i, 2, 1),
          new SessionEntry("gone", "t" + i, "e" + i, 1, 1))));
    }

    assertThat(sessions.executeOnEntries(new HazelcastCluster.RemoveNode(member, true))).as("users changed").isEmpty();
    assertThat(sessions.values()).as("a member's sessions stay").hasSize(64)
        .allMatch(l -> l.size() == 2 && l.get(0).nodeId().equals(member));

    assertThat(sessions.executeOnEntries(new HazelcastCluster.RemoveNode("gone", true))).as("users changed").hasSize(64);
    assertThat(sessions.values()).as("a node that is gone loses its sessions").hasSize(64)
        .allMatch(l -> l.size() == 1 && l.get(0).nodeId().equals(member));

    sessions.executeOnEntries(new HazelcastCluster.RemoveNode(member, false));
    assertThat(sessions.size()).as("a closing node's sessions go, and the keys with the last").isZero();
  }
}
