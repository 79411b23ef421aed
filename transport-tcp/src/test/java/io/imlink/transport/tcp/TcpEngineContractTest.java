package io.imlink.transport.tcp;

import io.imlink.tck.EngineContract;
import java.net.URI;

class TcpEngineContractTest extends EngineContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }
}
