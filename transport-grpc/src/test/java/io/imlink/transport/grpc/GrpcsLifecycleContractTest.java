package io.imlink.transport.grpc;

import io.imlink.tck.LifecycleContract;
import java.net.URI;

/** {@link LifecycleContract} over TLS: the server's certificate from PEM files, the client trusting the test CA, host names verified. */
class GrpcsLifecycleContractTest extends LifecycleContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpcs://127.0.0.1:0");
  }

  @Override
  protected boolean tls() {
    return true;
  }
}
