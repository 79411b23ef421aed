package io.imlink.transport.websocket;

import io.imlink.tck.ProtocolConformanceContract;
import java.net.URI;

class WebSocketProtocolConformanceTest extends ProtocolConformanceContract {
  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
