package io.imlink.transport.grpc;

import io.imlink.tck.LifecycleContract;
import java.net.URI;

class GrpcLifecycleContractTest extends LifecycleContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
