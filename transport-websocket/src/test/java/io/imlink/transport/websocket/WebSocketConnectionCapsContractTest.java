package io.imlink.transport.websocket;

import io.imlink.tck.ConnectionCapsContract;
import java.net.URI;

class WebSocketConnectionCapsContractTest extends ConnectionCapsContract {
  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
