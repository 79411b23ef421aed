package io.imlink.transport.websocket;

import io.imlink.tck.EngineContract;
import java.net.URI;

class WebSocketEngineContractTest extends EngineContract {
  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
