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

  /** Only the server ends a stream with a status; a client's close is a half-close, without a code. */
  @Override
  protected boolean carriesClientCloseCodes() {
    return false;
  }
}
