package io.imlink.transport.websocket;

import io.imlink.tck.TlsContract;
import java.net.URI;

class WssTlsContractTest extends TlsContract {
  @Override
  protected URI listenUri() {
    return URI.create("wss://127.0.0.1:0/im");
  }
}
