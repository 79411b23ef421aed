package io.imlink.transport.tcp;

import io.imlink.tck.LifecycleContract;
import java.net.URI;

class TcpLifecycleContractTest extends LifecycleContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }
}
