package io.imlink.transport.grpc;

import io.imlink.tck.EngineContract;
import java.net.URI;

class GrpcEngineContractTest extends EngineContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
