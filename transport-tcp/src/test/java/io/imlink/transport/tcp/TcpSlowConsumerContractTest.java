package io.imlink.transport.tcp;

import io.imlink.tck.SlowConsumerContract;
import java.net.URI;

class TcpSlowConsumerContractTest extends SlowConsumerContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }
}
