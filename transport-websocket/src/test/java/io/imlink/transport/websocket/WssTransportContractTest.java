package io.imlink.transport.websocket;

import java.net.URI;

/** The transport contract over {@code wss}: the WebSocket upgrade and frames inside TLS. */
class WssTransportContractTest extends WebSocketTransportContractTest {
  @Override
  protected URI listenUri() {
    return URI.create("wss://127.0.0.1:0/im");
  }

  @Override
  protected boolean tls() {
    return true;
  }
}
