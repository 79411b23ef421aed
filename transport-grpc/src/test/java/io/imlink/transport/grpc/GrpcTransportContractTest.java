package io.imlink.transport.grpc;

import io.imlink.api.spi.TransportProvider;
import io.imlink.tck.TransportContract;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

class GrpcTransportContractTest extends TransportContract {
  @Override
  protected TransportProvider provider() {
    return new GrpcTransportProvider();
  }

  @Override
  protected URI listenUri() {
    return URI.create("grpc://127.0.0.1:0");
  }

  /** Only the server ends a stream with a status; a client's close is a half-close, without a code. */
  @Override
  protected boolean carriesClientCloseCodes() {
    return false;
  }

  /** Silent; half the HTTP/2 client preface; the whole preface and its SETTINGS, but no stream ever. */
  @Override
  protected List<byte[]> handshakeStalls() {
    byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream withSettings = new ByteArrayOutputStream();
    withSettings.writeBytes(preface);
    withSettings.writeBytes(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
    return List.of(new byte[0], java.util.Arrays.copyOf(preface, 12), withSettings.toByteArray());
  }
}
