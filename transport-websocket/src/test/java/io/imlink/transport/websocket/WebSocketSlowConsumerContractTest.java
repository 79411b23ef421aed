package io.imlink.transport.websocket;

import io.imlink.tck.SlowConsumerContract;
import java.net.URI;

class WebSocketSlowConsumerContractTest extends SlowConsumerContract {
  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
