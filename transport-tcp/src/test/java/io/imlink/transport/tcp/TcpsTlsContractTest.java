package io.imlink.transport.tcp;

import io.imlink.tck.TlsContract;
import java.net.URI;

class TcpsTlsContractTest extends TlsContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcps://127.0.0.1:0");
  }
}
