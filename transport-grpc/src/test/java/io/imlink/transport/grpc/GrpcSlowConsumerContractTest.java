package io.imlink.transport.grpc;

import io.imlink.tck.SlowConsumerContract;
import java.net.URI;

class GrpcSlowConsumerContractTest extends SlowConsumerContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
