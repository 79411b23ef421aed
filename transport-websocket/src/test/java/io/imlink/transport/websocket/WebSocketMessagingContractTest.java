package io.imlink.transport.websocket;

import io.imlink.tck.MessagingContract;
import java.net.URI;

class WebSocketMessagingContractTest extends MessagingContract {
  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
