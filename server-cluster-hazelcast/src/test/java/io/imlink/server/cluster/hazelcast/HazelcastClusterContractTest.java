package io.imlink.server.cluster.hazelcast;

import io.imlink.server.ImServer;
import io.imlink.server.store.postgres.EmbeddedPostgresFixture;
import io.imlink.tck.ClusterContract;
import io.imlink.tck.Network;
import java.net.URI;
import java.util.Arrays;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The cluster contract on Hazelcast, over TCP: three nodes in this JVM, each its own embedded member
 * on a loopback port of its own, joining by TCP-IP from the list of the three, over one new database
 * of the embedded PostgreSQL per test (its state refreshed every 100 ms). Its subclasses run it over
 * WebSocket and gRPC.
 */
class HazelcastClusterContractTest extends ClusterContract {
  private final String url = EmbeddedPostgresFixture.newDatabaseUrl();
  private final int[] ports = {Network.freePort(), Network.freePort(), Network.freePort()};
  private final String clusterName = "imlink-test-" + UUID.randomUUID();

  @Override
  protected ImServer.Builder node(int index) {
    String members = Arrays.stream(ports).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    return ImServer.builder()
        .store("postgres").storeProperty("jdbc.url", url).storeProperty("jdbc.user", EmbeddedPostgresFixture.user())
        .storeProperty("state.refresh", "PT0.1S").storeProperty("pool.size", "4")
        .cluster("hazelcast").clusterProperty("port", String.valueOf(ports[index])).clusterProperty("members", members)
        .clusterProperty("cluster-name", clusterName);
  }

  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }
}
