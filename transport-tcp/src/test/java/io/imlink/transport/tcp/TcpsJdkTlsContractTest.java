package io.imlink.transport.tcp;

import io.imlink.api.spi.TransportOptions;

/** The TLS contract on the JDK's TLS ({@code tcp.tls=jdk}) on both sides; the plain suite runs on OpenSSL. */
class TcpsJdkTlsContractTest extends TcpsTlsContractTest {
  @Override
  protected TransportOptions.Builder baseOptions() {
    return super.baseOptions().property("tcp.tls", "jdk");
  }
}
