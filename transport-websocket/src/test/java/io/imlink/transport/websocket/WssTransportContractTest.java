package io.imlink.transport.websocket;

import io.imlink.api.spi.TransportProvider;
import io.imlink.tck.TlsTransportContract;
import java.net.URI;

/** The transport contract over {@code wss}: the WebSocket upgrade and frames inside TLS. */
class WssTransportContractTest extends TlsTransportContract {
  @Override
  protected TransportProvider provider() {
    return new WebSocketTransportProvider();
  }

  @Override
  protected URI listenUri() {
    return URI.create("wss://127.0.0.1:0/im");
  }
}
