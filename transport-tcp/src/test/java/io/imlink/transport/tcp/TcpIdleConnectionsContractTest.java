package io.imlink.transport.tcp;

import io.imlink.tck.IdleConnectionsContract;
import java.net.URI;

class TcpIdleConnectionsContractTest extends IdleConnectionsContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }
}
