package io.imlink.server.cluster.hazelcast;

import java.net.URI;

/** The cluster contract on Hazelcast over gRPC. */
class HazelcastGrpcClusterContractTest extends HazelcastClusterContractTest {
  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
