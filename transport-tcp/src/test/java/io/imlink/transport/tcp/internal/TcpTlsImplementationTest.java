package io.imlink.transport.tcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.spi.TransportOptions;
import io.imlink.tck.TestTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslHandler;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which TLS implementation {@code tcps} picks: OpenSSL where netty-tcnative is on the class path (it
 * is in these tests) and the options carry a ServerTls or ClientTls, else the JDK's; {@code
 * tcp.tls} forces one, and a choice that cannot hold is refused saying what to do.
 */
class TcpTlsImplementationTest {
  private static final URI SECURE = URI.create("tcps://127.0.0.1:1");
  private static TestTls tls;

  @BeforeAll
  static void certificates(@TempDir Path tmp) throws Exception {
    tls = TestTls.create(tmp);
  }

  @Test
  void openSslIsOnThisClassPath() {
    assertThat(OpenSsl.isAvailable()).as("netty-tcnative loads: %s", OpenSsl.unavailabilityCause()).isTrue();
    assertThat(OpenSsl.versionString()).containsIgnoringCase("BoringSSL");
  }

  @Test
  void aServerTlsOrClientTlsIsServedByOpenSsl() {
    TcpTls server = TcpTls.forServer(SECURE, TransportOptions.builder().tls(tls.serverTls()).build());
    TcpTls client = TcpTls.forClient(SECURE, TransportOptions.builder().tls(tls.clientTls()).build());
    assertThat(server.implementation()).startsWith("OpenSSL (BoringSSL");
    assertThat(client.implementation()).startsWith("OpenSSL (BoringSSL");
    assertThat(engineClass(server.handler(ByteBufAllocator.DEFAULT, null, 0))).contains("OpenSsl");
    SslHandler h = client.handler(ByteBufAllocator.DEFAULT, "localhost", 1);
    assertThat(engineClass(h)).contains("OpenSsl");
    assertThat(h.engine().getUseClientMode()).isTrue();
    assertThat(h.engine().getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
    assertThat(versions(h)).containsOnly("TLSv1.3", "TLSv1.2");
    assertThat(versions(server.handler(ByteBufAllocator.DEFAULT, null, 0))).containsOnly("TLSv1.3", "TLSv1.2");
  }

  @Test
  void aBareContextOrTcpTlsJdkIsServedByTheJdk() {
    assertThat(TcpTls.forServer(SECURE, TransportOptions.builder().sslContext(tls.serverContext()).build())
        .implementation()).isEqualTo("JDK");
    assertThat(TcpTls.forServer(SECURE, TransportOptions.builder().tls(tls.serverTls()).property("tcp.tls", "jdk").build())
        .implementation()).isEqualTo("JDK");
    TcpTls client = TcpTls.forClient(SECURE, TransportOptions.builder().tls(tls.clientTls()).property("tcp.tls", "JDK").build());
    assertThat(client.implementation()).isEqualTo("JDK");
    assertThat(engineClass(client.handler(ByteBufAllocator.DEFAULT, "localhost", 1))).doesNotContain("OpenSsl");
  }

  @Test
  void plainTcpHasNoTls() {
    assertThat(TcpTls.forServer(URI.create("tcp://127.0.0.1:1"), TransportOptions.defaults())).isNull();
    assertThat(TcpTls.forClient(URI.create("tcp://127.0.0.1:1"), TransportOptions.defaults())).isNull();
  }

  @Test
  void openSslOverABareContextOrAnUnknownChoiceIsRefused() {
    assertThatThrownBy(() -> TcpTls.forServer(SECURE,
            TransportOptions.builder().sslContext(tls.serverContext()).property("tcp.tls", "openssl").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tcp.tls=openssl needs the identity or trust through TransportOptions.Builder.tls(ServerTls):"
            + " a bare TransportOptions.sslContext(...) can only be used by the JDK");
    assertThatThrownBy(() -> TcpTls.forClient(SECURE,
            TransportOptions.builder().tls(tls.clientTls()).property("tcp.tls", "boring").build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tcp.tls is auto, openssl or jdk, got 'boring'");
    assertThat(TcpTls.forClient(SECURE, TransportOptions.builder().tls(tls.clientTls()).property("tcp.tls", "openssl").build())
        .implementation()).startsWith("OpenSSL");
  }

  /**
   * The protocol versions enabled. Netty's OpenSSL engine always lists the pseudo-protocol
   * SSLv2Hello too, which names a ClientHello format, not a version, and which BoringSSL does not
   * accept: left out here.
   */
  private static java.util.List<String> versions(SslHandler h) {
    return java.util.Arrays.stream(h.engine().getEnabledProtocols()).filter(p -> !p.equals("SSLv2Hello")).toList();
  }

  private static String engineClass(SslHandler h) {
    return h.engine().getClass().getName();
  }
}
