package io.imlink.transport.tcp;

import io.imlink.tck.ProtocolConformanceContract;
import java.net.URI;

class TcpProtocolConformanceTest extends ProtocolConformanceContract {
  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }

  @Override
  protected boolean carriesCloseCodes() {
    return false;
  }
}
