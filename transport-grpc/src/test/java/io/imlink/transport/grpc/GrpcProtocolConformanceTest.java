package io.imlink.transport.grpc;

import io.imlink.tck.ProtocolConformanceContract;
import java.net.URI;

class GrpcProtocolConformanceTest extends ProtocolConformanceContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
