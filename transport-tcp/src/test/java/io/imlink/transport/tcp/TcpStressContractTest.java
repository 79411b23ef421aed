package io.imlink.transport.tcp;

import io.imlink.tck.StressContract;
import java.net.URI;

class TcpStressContractTest extends StressContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }
}
