package io.imlink.transport.websocket;

import io.imlink.api.spi.TransportProvider;
import io.imlink.tck.TransportContract;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

class WebSocketTransportContractTest extends TransportContract {
  @Override
  protected TransportProvider provider() {
    return new WebSocketTransportProvider();
  }

  @Override
  protected URI listenUri() {
    return URI.create("ws://127.0.0.1:0/im");
  }

  /** Silent; half the upgrade request; all of it but the blank line that ends it. */
  @Override
  protected List<byte[]> handshakeStalls() {
    String upgrade = "GET /im HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    return List.of(new byte[0], "GET /im HTTP/1.1\r\nHost: 127".getBytes(StandardCharsets.US_ASCII),
        upgrade.getBytes(StandardCharsets.US_ASCII));
  }
}
