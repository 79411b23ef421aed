package io.imlink.transport.grpc;

import io.imlink.api.spi.TransportProvider;
import io.imlink.tck.TlsTransportContract;
import java.net.URI;

/** The transport contract over {@code grpcs}: HTTP/2 over TLS, negotiated by ALPN. */
class GrpcsTransportContractTest extends TlsTransportContract {
  @Override
  protected TransportProvider provider() {
    return new GrpcTransportProvider();
  }

  @Override
  protected URI listenUri() {
    return URI.create("grpcs://127.0.0.1:0");
  }

  /** As on {@code grpc}: a client's close is a half-close, without a code. */
  @Override
  protected boolean carriesClientCloseCodes() {
    return false;
  }
}
