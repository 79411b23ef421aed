package io.imlink.transport.tcp;

import io.imlink.api.spi.TransportProvider;
import io.imlink.tck.TransportContract;
import java.net.URI;

class TcpTransportContractTest extends TransportContract {
  @Override
  protected TransportProvider provider() {
    return new TcpTransportProvider();
  }

  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }

  /** TCP has no means to say why it closes: the imlink Disconnect frame carries the code. */
  @Override
  protected boolean carriesCloseCodes() {
    return false;
  }

  /** TCP has no handshake: a connection is handed over at accept, and the server's timers take it from there. */
  @Override
  protected boolean handsOverAtAccept() {
    return true;
  }
}
