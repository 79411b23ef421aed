package io.imlink.transport.tcp;

import io.imlink.api.spi.TransportOptions;
import io.imlink.tck.IdleConnectionsContract;
import io.imlink.tck.TestTls;
import java.net.URI;

/**
 * Idle sockets at a {@code tcps} listener: none of them ever sends a ClientHello, so each is closed
 * by the TLS handshake timeout, counted from its accept, unseen by the server's sessions.
 */
class TcpsIdleConnectionsContractTest extends IdleConnectionsContract {
  private TestTls tls; // made on first use, in the test's directory

  @Override
  protected URI listenUri() {
    return URI.create("tcps://127.0.0.1:0");
  }

  /** With the server's TLS context: the server under test is the only user of these options. */
  @Override
  protected TransportOptions.Builder baseOptions() {
    try {
      if (tls == null) {
        tls = TestTls.create(tmp);
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot make the test certificate", e);
    }
    return super.baseOptions().sslContext(tls.serverContext());
  }
}
