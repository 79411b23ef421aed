package io.imlink.transport.tcp;

import io.imlink.api.spi.TransportOptions;

/** The transport contract over {@code tcps} on the JDK's TLS ({@code tcp.tls=jdk}); the plain suite runs on OpenSSL. */
class TcpsJdkTransportContractTest extends TcpsTransportContractTest {
  @Override
  protected TransportOptions.Builder baseOptions() {
    return super.baseOptions().property("tcp.tls", "jdk");
  }
}
