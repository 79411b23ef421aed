package io.imlink.transport.grpc;

import io.imlink.tck.MessagingContract;
import java.net.URI;

class GrpcMessagingContractTest extends MessagingContract {
  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }
}
