package io.imlink.transport.websocket;

import io.imlink.tck.LifecycleContract;
import java.net.URI;

/** {@link LifecycleContract} over TLS: the server's certificate from PEM files, the client trusting the test CA, host names verified. */
class WssLifecycleContractTest extends LifecycleContract {
  @Override
  protected URI listenUri() {
    return URI.create("wss://127.0.0.1:0/im");
  }

  @Override
  protected boolean tls() {
    return true;
  }
}
