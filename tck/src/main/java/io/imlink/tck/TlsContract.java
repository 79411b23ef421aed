package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.tls.ClientTls;
import io.imlink.api.tls.ServerTls;
import io.imlink.server.ImServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/**
 * What TLS must refuse and what it must pick up, on a transport's TLS scheme ({@link #listenUri()}
 * is {@code tcps}, {@code wss} or {@code grpcs}): a server certificate for another host, an expired
 * one, one from an untrusted CA or one that does not match a pin fails the connect with an {@link
 * SSLException} before any imlink frame; a server's certificate files replaced on disk serve new
 * connections; an engine that was connected reports 30017 while its server presents a certificate
 * for another host, and connects again once it is right; only TLS 1.3 and 1.2 are offered.
 */
public abstract class TlsContract extends EngineFixture {
  private static final TestTls.Options OTHER_HOST = TestTls.Options.defaults().withNames("dns:other.example");
  private static final TestTls.Options RENEWED = TestTls.Options.defaults().withNames("dns:localhost,ip:127.0.0.1,dns:renewed.example");
  private static final TestTls.Options EXPIRED = TestTls.Options.defaults().withExpired();

  @Override
  protected final boolean tls() {
    return true;
  }

  @Test
  void aCertificateForAnotherHostIsRefused() throws Exception {
    TestTls other = certificates(OTHER_HOST);
    ServerTls presented = ServerTls.fromPem(other.certificatePem(), other.privateKeyPem());
    startServer(b -> b.tls(presented));
    assertRefused(ClientTls.builder().trust(other.caCertificate()).build(), "subject alternative name");
  }

  @Test
  void anExpiredCertificateIsRefused() throws Exception {
    TestTls expired = certificates(EXPIRED);
    // ServerTls refuses to start with it; a listener can still be given such a context directly.
    server = closeLater(ImServer.builder().app(APP_KEY, APP_SECRET).listen(listenUri())
        .transportOptions(baseOptions().sslContext(expired.serverContext()).build()).build().start());
    assertRefused(ClientTls.builder().trust(expired.caCertificate()).build(), "validity");
  }

  @Test
  void aCertificateFromAnUntrustedCaIsRefused() throws Exception {
    startServer();
    TestTls other = certificates(OTHER_HOST);
    assertRefused(ClientTls.builder().trust(other.caCertificate()).build(), "PKIX");
    assertRefused(ClientTls.systemDefault(), "PKIX");
  }

  @Test
  void pinsAreChecked() throws Exception {
    startServer();
    TestTls other = certificates(OTHER_HOST);
    ClientTls wrongPin = ClientTls.builder().trust(testTls().caCertificate())
        .pin(ClientTls.pinOf(other.certificate())).build();
    assertRefused(wrongPin, "pinning failure");

    ClientTls rightPin = ClientTls.builder().trust(testTls().caCertificate())
        .pin(ClientTls.pinOf(testTls().certificate())).build();
    try (Connector connector = transport().newConnector(baseOptions().tls(rightPin).build())) {
      FrameChannel channel = connector.connect(serverUri(), new RecordingFrameHandler()).get(10, TimeUnit.SECONDS);
      channel.close();
    }
  }

  @Test
  void onlyTls13And12AreOffered() throws Exception {
    startServer();
    assertThat(handshake("TLSv1.3").getSession().getProtocol()).isEqualTo("TLSv1.3");
    assertThat(handshake("TLSv1.2").getSession().getProtocol()).isEqualTo("TLSv1.2");
    assertThat(ServerTls.fromPem(testTls().certificatePem(), testTls().privateKeyPem()).sslContext()
        .createSSLEngine().getEnabledProtocols()).containsOnly("TLSv1.3", "TLSv1.2");
  }

  /**
   * The server's files are replaced while it runs: a renewed certificate serves every new
   * connection from the next recheck on, and files that are not a usable pair (half written) are
   * kept out, the renewed pair staying in use. (A client that resumes an earlier TLS session with
   * the server skips the certificate; new clients here make a full handshake.)
   */
  @Test
  void replacedCertificateFilesServeNewConnections() throws Exception {
    TestTls renewed = certificates(RENEWED);
    Path chain = tmp.resolve("live-chain.pem");
    Path key = tmp.resolve("live-key.pem");
    install(testTls(), chain, key);
    FakeClock serverTime = new FakeClock(Instant.now());
    ServerTls live = ServerTls.fromPem(chain, key, serverTime.clock(), Duration.ofSeconds(1));
    startServer(b -> b.tls(live));
    X509Certificate[] trustsBoth = {testTls().caCertificate(), renewed.caCertificate()};
    assertThat(presented(trustsBoth)).isEqualTo(testTls().certificate());

    install(renewed, chain, key);
    assertThat(presented(trustsBoth)).as("not before the recheck period").isEqualTo(testTls().certificate());
    serverTime.forward(Duration.ofSeconds(2));
    assertThat(presented(trustsBoth)).isEqualTo(renewed.certificate());

    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49"); // half written
    serverTime.forward(Duration.ofSeconds(2));
    assertThat(presented(trustsBoth)).as("an unusable pair is kept out").isEqualTo(renewed.certificate());

    // An engine connects with the renewed certificate, verified by host name; the HTTP API, served
    // with the same ServerTls, presents the renewed certificate too.
    ClientTls trustsRenewed = ClientTls.builder().trust(renewed.caCertificate()).build();
    ImEngine engine = build(engine(serverUri()).tls(trustsRenewed));
    EngineProbe probe = EngineProbe.attach(engine);
    io.imlink.server.ServerApiClient renewedApi = new io.imlink.server.ServerApiClient(server.httpApiUri().orElseThrow(),
        APP_KEY, APP_SECRET, java.time.Clock.systemUTC(), Duration.ofSeconds(10), trustsRenewed.sslContext());
    engine.connect(renewedApi.getToken("renewed"), 0);
    assertThat(probe.awaitConnected().code()).isZero();
  }

  /**
   * A connected engine whose server comes back with a certificate for another host keeps retrying
   * and says why, 30017, and connects once the server has the right one again.
   */
  @Test
  void aServerBackWithABadCertificateIs30017UntilItIsRight() throws Exception {
    TestTls other = certificates(OTHER_HOST);
    startServer();
    URI listen = serverUri();
    FakeClock time = new FakeClock();
    ClientTls trustsBoth = ClientTls.builder().trust(testTls().caCertificate()).trust(other.caCertificate()).build();
    ImEngine engine = build(withTime(engine(listen), time).tls(trustsBoth));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(api.getToken("moved"), 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    int mark = probe.size();
    int steps = probe.stepCount();

    server.close();
    probe.awaitStatus(ConnectionStatus.SUSPEND, mark);
    ServerTls wrongHost = ServerTls.fromPem(other.certificatePem(), other.privateKeyPem());
    ImServer bad = ImServer.builder().app(APP_KEY, APP_SECRET).listen(listen).transportOptions(baseOptions().build())
        .tls(wrongHost).build().start();
    try {
      steps = LifecycleContract.runRetry(probe, time, steps);
      probe.await(e -> e.kind() == EngineProbe.Kind.STATUS && e.code() == 30017, mark);
      assertThat(probe.trace().subList(mark, probe.size()))
          .containsExactly("SUSPEND(31003)", "CONNECTING(0)", "SUSPEND(30017)");
      assertThat(bad.stats().connectRequests()).isZero();
    } finally {
      bad.close();
    }

    closeLater(serverBuilder().app(APP_KEY, APP_SECRET).listen(listen).build().start());
    LifecycleContract.runRetry(probe, time, steps);
    probe.awaitStatus(ConnectionStatus.CONNECTED, mark + 3);
    assertThat(probe.connectedEvents()).hasSize(1);
  }

  /** Replaces the live files as an operator would: each written beside it, then moved over it. */
  private static void install(TestTls certificates, Path chain, Path key) throws Exception {
    for (Path[] p : new Path[][] {{certificates.certificatePem(), chain}, {certificates.privateKeyPem(), key}}) {
      Path next = p[1].resolveSibling(p[1].getFileName() + ".next");
      Files.copy(p[0], next, StandardCopyOption.REPLACE_EXISTING);
      Files.move(next, p[1], StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /**
   * A connect with {@code client} fails with an SSLException saying {@code reason} (somewhere in its
   * message or its cause's), promptly, and no frame reaches the server.
   */
  private void assertRefused(ClientTls client, String reason) throws Exception {
    try (Connector connector = transport().newConnector(baseOptions().tls(client).build())) {
      assertThatThrownBy(() -> connector.connect(serverUri(), new RecordingFrameHandler()).get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .satisfies(e -> assertThat(sslCause(e)).as("an SSLException in the cause chain of %s", e).isNotNull()
              .satisfies(ssl -> assertThat(ssl.getMessage() + " / " + ssl.getCause()).containsIgnoringCase(reason)));
    }
    assertThat(server.stats().connectRequests()).isZero();
  }

  private static SSLException sslCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }

  /**
   * The certificate the listener presents to a new client trusting {@code authorities}: a new
   * context each time, so that no earlier session is resumed.
   */
  private Certificate presented(X509Certificate... authorities) throws Exception {
    ClientTls.Builder client = ClientTls.builder();
    for (X509Certificate a : authorities) {
      client.trust(a);
    }
    return handshake("TLSv1.3", client.build().sslContext()).getSession().getPeerCertificates()[0];
  }

  private SSLSocket handshake(String protocol) throws Exception {
    return handshake(protocol, testTls().clientContext());
  }

  /** A bare TLS handshake with the listener, offering only {@code protocol} (and h2, which gRPC needs). */
  private SSLSocket handshake(String protocol, SSLContext client) throws Exception {
    URI uri = serverUri();
    SSLSocket socket = (SSLSocket) client.getSocketFactory()
        .createSocket(new java.net.Socket(uri.getHost(), uri.getPort()), uri.getHost(), uri.getPort(), true);
    closeLater(socket);
    SSLParameters params = socket.getSSLParameters();
    params.setProtocols(new String[] {protocol});
    params.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(params);
    socket.setSoTimeout(10_000);
    socket.startHandshake();
    return socket;
  }
}
