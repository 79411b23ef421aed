package io.imlink.transport.websocket;

import io.imlink.tck.StressContract;
import java.net.URI;

class WebSocketStressContractTest extends StressContract {
  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
