package io.imlink.server.cluster.hazelcast;

import java.net.URI;

/** The cluster contract on Hazelcast over WebSocket. */
class HazelcastWebSocketClusterContractTest extends HazelcastClusterContractTest {
  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
