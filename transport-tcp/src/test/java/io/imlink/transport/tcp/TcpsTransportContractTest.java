package io.imlink.transport.tcp;

import io.imlink.api.spi.TransportProvider;
import io.imlink.tck.TlsTransportContract;
import java.net.URI;

/** The transport contract over {@code tcps}: TLS, then the same varint-framed stream as {@code tcp}. */
class TcpsTransportContractTest extends TlsTransportContract {
  @Override
  protected TransportProvider provider() {
    return new TcpTransportProvider();
  }

  @Override
  protected URI listenUri() {
    return URI.create("tcps://127.0.0.1:0");
  }

  /** As on {@code tcp}: the imlink Disconnect frame carries the code. */
  @Override
  protected boolean carriesCloseCodes() {
    return false;
  }

  /** The TLS handshake comes first: a connection is handed over once it has succeeded, timed from the accept. */
  @Override
  protected boolean handsOverAtAccept() {
    return false;
  }
}
