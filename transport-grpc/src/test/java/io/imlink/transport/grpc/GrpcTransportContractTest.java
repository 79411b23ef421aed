package io.imlink.transport.grpc;

import io.imlink.api.spi.TransportProvider;
import io.imlink.tck.TransportContract;
import java.net.URI;

class GrpcTransportContractTest extends TransportContract {
  @Override
  protected TransportProvider provider() {
    return new GrpcTransportProvider();
  }

  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
