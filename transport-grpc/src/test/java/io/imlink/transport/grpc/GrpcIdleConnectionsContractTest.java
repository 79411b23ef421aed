package io.imlink.transport.grpc;

import io.imlink.tck.IdleConnectionsContract;
import java.net.URI;

class GrpcIdleConnectionsContractTest extends IdleConnectionsContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
