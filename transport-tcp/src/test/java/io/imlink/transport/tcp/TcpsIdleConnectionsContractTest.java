package io.imlink.transport.tcp;

import io.imlink.tck.IdleConnectionsContract;
import java.net.URI;

/**
 * Idle sockets at a {@code tcps} listener: none of them ever sends a ClientHello, so each is closed
 * by the TLS handshake timeout, counted from its accept, unseen by the server's sessions.
 */
class TcpsIdleConnectionsContractTest extends IdleConnectionsContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcps://127.0.0.1:0");
  }

  @Override
  protected boolean tls() {
    return true;
  }
}
