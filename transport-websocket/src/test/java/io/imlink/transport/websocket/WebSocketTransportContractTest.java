package io.imlink.transport.websocket;

import io.imlink.api.spi.TransportProvider;
import io.imlink.tck.TransportContract;
import java.net.URI;

class WebSocketTransportContractTest extends TransportContract {
  @Override
  protected TransportProvider provider() {
    return new WebSocketTransportProvider();
  }

  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }
}
