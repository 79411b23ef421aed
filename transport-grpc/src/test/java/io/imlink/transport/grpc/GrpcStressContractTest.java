package io.imlink.transport.grpc;

import io.imlink.tck.StressContract;
import java.net.URI;

class GrpcStressContractTest extends StressContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
