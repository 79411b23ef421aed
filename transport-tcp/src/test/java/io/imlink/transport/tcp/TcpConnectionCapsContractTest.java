package io.imlink.transport.tcp;

import io.imlink.tck.ConnectionCapsContract;
import java.net.URI;

class TcpConnectionCapsContractTest extends ConnectionCapsContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }
}
