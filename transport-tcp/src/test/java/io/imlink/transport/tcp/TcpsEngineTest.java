package io.imlink.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ErrorCode;
import io.imlink.api.ImEngine;
import io.imlink.api.spi.TransportOptions;
import io.imlink.server.ImServer;
import io.imlink.tck.EngineFixture;
import io.imlink.tck.EngineProbe;
import io.imlink.tck.TestTls;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine and the reference server over {@code tcps}: a session inside TLS, and 30017 for a certificate the client does not trust. */
@Timeout(60)
class TcpsEngineTest extends EngineFixture {
  private TestTls tls;

  @Override
  protected URI listenUri() {
    return URI.create("tcps://127.0.0.1:0");
  }

  @BeforeEach
  void startTlsServer() throws Exception {
    tls = TestTls.create(tmp);
    startServer(b -> b.transportOptions(TransportOptions.builder().sslContext(tls.serverContext()).build()));
    assertThat(serverUri().getScheme()).isEqualTo("tcps");
  }

  @Test
  void aSessionRunsInsideTls() throws Exception {
    ImEngine engine = build(engine(serverUri())
        .transportOptions(TransportOptions.builder().sslContext(tls.clientContext()).connectTimeout(Duration.ofSeconds(2)).build()));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(engine.connect(api.getToken("alice"), 0)).isZero();
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    assertThat(probe.trace())
        .containsExactly("onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(0, \"alice\")", "CONNECTED(0)");
    assertThat(api.checkOnline("alice")).isTrue();
  }

  /**
   * The server comes back with a certificate the client does not trust (another self-signed one):
   * every reconnect fails its TLS handshake, reported as SUSPEND with 30017, and no session opens.
   */
  @Test
  void anUntrustedCertificateIsReportedAs30017() throws Exception {
    ImEngine engine = build(engine(serverUri())
        .transportOptions(TransportOptions.builder().sslContext(tls.clientContext()).connectTimeout(Duration.ofSeconds(2)).build()));
    EngineProbe probe = EngineProbe.attach(engine);
    assertThat(engine.connect(api.getToken("bob"), 0)).isZero();
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    int before = probe.size();
    URI same = serverUri();
    server.close();
    TestTls stranger = TestTls.create(tmp);
    ImServer impostor = closeLater(ImServer.builder().app(APP_KEY, APP_SECRET).listen(same)
        .transportOptions(TransportOptions.builder().sslContext(stranger.serverContext()).build()).build().start());
    assertThat(impostor.listenUris()).containsExactly(same);
    EngineProbe.Event failed = probe.await(e -> e.code() == ErrorCode.SOCKET_TLS_FAILED.code(), before, Duration.ofSeconds(15));
    assertThat(failed.status()).isEqualTo(ConnectionStatus.SUSPEND);
    assertThat(probe.connectedEvents()).as("no second session").hasSize(1);
    assertThat(impostor.sessionCount()).isZero();
  }
}
