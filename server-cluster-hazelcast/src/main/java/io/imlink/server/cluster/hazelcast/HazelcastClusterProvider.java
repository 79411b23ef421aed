package io.imlink.server.cluster.hazelcast;

import io.imlink.server.cluster.hazelcast.internal.HazelcastCluster;
import io.imlink.server.spi.Cluster;
import io.imlink.server.spi.ClusterConfig;
import io.imlink.server.spi.ClusterNode;
import io.imlink.server.spi.ClusterProvider;
import java.io.IOException;

/**
 * The {@code hazelcast} cluster: each server node runs an embedded Hazelcast member, and the members
 * find each other by TCP-IP from a member list (multicast and auto-detection off). Every node must
 * use the same shared {@code ServerStore} (such as {@code postgres}): the inbox there is the source
 * of truth, the cluster only says who is where and carries notifications.
 *
 * <p>Properties ({@code ImServer.Builder.clusterProperty}):
 * <ul>
 *   <li>{@code members}: the members to join, {@code HOST:PORT} separated by commas (default: this
 *       member alone);
 *   <li>{@code port}: this member's port (default 5701; no auto-increment: a port in use fails
 *       {@code start});
 *   <li>{@code bind}: the address this member listens on and announces (default {@code
 *       127.0.0.1});
 *   <li>{@code cluster-name}: the Hazelcast cluster name, so that two clusters on one network stay
 *       apart (default {@code imlink});
 *   <li>{@code join-timeout}: how long {@code start} waits for the member to join, ISO-8601 or
 *       seconds (default PT30S);
 *   <li>{@code member-timeout}: how long a member may go without a heartbeat (a stalled process, a
 *       cut link) before the others remove it and its sessions (default PT10S; a member that died
 *       is removed as soon as its connections fail).
 * </ul>
 *
 * <p>What is shared: a distributed map from (app, user) to the user's sessions on every node, each
 * entry owned by its node and removed when that node leaves or dies (Hazelcast's member-removed
 * event); a topic per node for live deliveries and kicks addressed to it; a topic for every node for
 * blocks. Admission runs as an entry processor on the key's owner, so the multi-device policy is
 * atomic across the cluster. The connect-flood limits ({@code ImServer.Builder.connectRateLimit}) are
 * a token bucket per client address in a shared map, so an address that spreads a flood over the
 * nodes is refused (30015) as on one; each node answers from what it knows and learns the shared
 * answer in the background. The API's nonces are shared through the store.
 *
 * <p>Thread safety: {@link #join} may be called from any thread; it blocks until the member has
 * joined (or formed) the cluster.
 */
public final class HazelcastClusterProvider implements ClusterProvider {
  @Override
  public String name() {
    return "hazelcast";
  }

  @Override
  public Cluster join(ClusterConfig config, ClusterNode node) throws IOException {
    return HazelcastCluster.join(config, node);
  }
}
