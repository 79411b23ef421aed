package io.imlink.transport.grpc;

import io.imlink.tck.ConnectionCapsContract;
import java.net.URI;

class GrpcConnectionCapsContractTest extends ConnectionCapsContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
