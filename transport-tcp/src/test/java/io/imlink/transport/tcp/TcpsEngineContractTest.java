package io.imlink.transport.tcp;

import io.imlink.tck.EngineContract;
import java.net.URI;

/** {@link EngineContract} over TLS: the server's certificate from PEM files, the client trusting the test CA, host names verified. */
class TcpsEngineContractTest extends EngineContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcps://127.0.0.1:0");
  }

  @Override
  protected boolean tls() {
    return true;
  }
}
