package io.imlink.transport.grpc;

import java.net.URI;

/** The transport contract over {@code grpcs}: HTTP/2 over TLS, negotiated by ALPN. */
class GrpcsTransportContractTest extends GrpcTransportContractTest {
  @Override
  protected URI listenUri() {
    return URI.create("grpcs://127.0.0.1:0");
  }

  @Override
  protected boolean tls() {
    return true;
  }
}
