package io.imlink.transport.websocket;

import io.imlink.tck.LifecycleContract;
import java.net.URI;

class WebSocketLifecycleContractTest extends LifecycleContract {
  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
