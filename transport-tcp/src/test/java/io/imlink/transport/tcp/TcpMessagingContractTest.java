package io.imlink.transport.tcp;

import io.imlink.tck.MessagingContract;
import java.net.URI;

class TcpMessagingContractTest extends MessagingContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }
}
