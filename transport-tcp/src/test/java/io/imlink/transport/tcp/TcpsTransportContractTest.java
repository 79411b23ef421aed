package io.imlink.transport.tcp;

import java.net.URI;

/** The transport contract over {@code tcps}: TLS, then the same varint-framed stream as {@code tcp}. */
class TcpsTransportContractTest extends TcpTransportContractTest {
  @Override
  protected URI listenUri() {
    return URI.create("tcps://127.0.0.1:0");
  }

  @Override
  protected boolean tls() {
    return true;
  }

  /** The TLS handshake comes first: a connection is handed over once it has succeeded, timed from the accept. */
  @Override
  protected boolean handsOverAtAccept() {
    return false;
  }
}
