package io.imlink.transport.websocket;

import io.imlink.tck.IdleConnectionsContract;
import java.net.URI;

class WebSocketIdleConnectionsContractTest extends IdleConnectionsContract {
  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
