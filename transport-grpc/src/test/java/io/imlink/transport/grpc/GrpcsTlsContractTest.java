package io.imlink.transport.grpc;

import io.imlink.tck.TlsContract;
import java.net.URI;

class GrpcsTlsContractTest extends TlsContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpcs://127.0.0.1:0");
  }
}
