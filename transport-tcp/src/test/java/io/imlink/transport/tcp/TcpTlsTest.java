package io.imlink.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.TransportOptions;
import io.imlink.tck.Network;
import io.imlink.tck.RecordingFrameHandler;
import io.imlink.tck.TestTls;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What {@code tcps} adds to the contract: its refusals without a context, SNI, and the client's single deadline. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpTlsTest {
  private final TcpTransportProvider provider = new TcpTransportProvider();

  @Test
  void tcpsWithoutAnSslContextIsRefusedClearlyAtBindAndConnect() throws Exception {
    assertThatThrownBy(() -> provider.bind(URI.create("tcps://127.0.0.1:0"), TransportOptions.defaults(), ch -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("tcps:// needs TransportOptions.sslContext(...) (for ImServer: ImServer.Builder.tls(...)): tcps://127.0.0.1:0");
    try (Connector connector = provider.newConnector(TransportOptions.defaults())) {
      assertThatThrownBy(() -> connector.connect(URI.create("tcps://127.0.0.1:1"), new RecordingFrameHandler()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("tcps:// needs TransportOptions.sslContext(...): tcps://127.0.0.1:1");
    }
  }

  @Test
  void theSchemesAreTcpAndTcps() {
    assertThat(provider.schemes()).containsExactlyInAnyOrder("tcp", "tcps");
  }

  /**
   * A client names the server it wants by SNI when it connects by host name (and not for an IP
   * address, which SNI cannot carry): seen by a JDK TLS server.
   */
  @Test
  void theClientSendsTheHostNameBySni(@TempDir Path tmp) throws Exception {
    TestTls tls = TestTls.create(tmp);
    try (SSLServerSocket server = (SSLServerSocket) tls.serverContext().getServerSocketFactory()
            .createServerSocket(0, 10, Network.loopback());
        Connector connector = provider.newConnector(TransportOptions.builder().sslContext(tls.clientContext()).build())) {
      for (String host : List.of("localhost", "127.0.0.1")) {
        CompletableFuture<List<SNIServerName>> seen = CompletableFuture.supplyAsync(() -> {
          try (SSLSocket s = (SSLSocket) server.accept()) {
            s.startHandshake();
            return ((ExtendedSSLSession) s.getSession()).getRequestedServerNames();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        RecordingFrameHandler client = new RecordingFrameHandler();
        FrameChannel channel = connector.connect(URI.create("tcps://" + host + ":" + server.getLocalPort()), client)
            .get(10, TimeUnit.SECONDS);
        List<SNIServerName> names = seen.get(10, TimeUnit.SECONDS);
        if (host.equals("localhost")) {
          assertThat(names).as("SNI for a host name").containsExactly(new SNIHostName("localhost"));
        } else {
          assertThat(names).as("no SNI for an IP address").isEmpty();
        }
        channel.close();
      }
    }
  }

  /**
   * A server that accepts the TCP connection and never answers the ClientHello: the connect fails
   * with a {@link SocketTimeoutException} once the connect timeout has passed since the connect
   * began, the TCP connect and the TLS handshake counted together (not with a TLS failure: nothing
   * is wrong with the server's certificate), and the handler never hears of the connection.
   */
  @Test
  void theConnectTimeoutBoundsTheTlsHandshake(@TempDir Path tmp) throws Exception {
    TestTls tls = TestTls.create(tmp);
    Duration timeout = Duration.ofMillis(500);
    try (ServerSocket mute = new ServerSocket(0, 10, Network.loopback());
        Connector connector = provider.newConnector(
            TransportOptions.builder().sslContext(tls.clientContext()).connectTimeout(timeout).build())) {
      CompletableFuture<byte[]> hello = CompletableFuture.supplyAsync(() -> {
        try (Socket s = mute.accept()) {
          InputStream in = s.getInputStream();
          byte[] first = in.readNBytes(1);
          while (in.read() >= 0) {
            // hold the connection, say nothing, until the client gives up
          }
          return first;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      RecordingFrameHandler handler = new RecordingFrameHandler();
      long start = System.nanoTime();
      CompletableFuture<FrameChannel> f = connector.connect(URI.create("tcps://127.0.0.1:" + mute.getLocalPort()), handler);
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessageContaining("TLS handshake");
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took).isGreaterThanOrEqualTo(timeout.minusMillis(50)).isLessThan(Duration.ofSeconds(5));
      assertThat(hello.get(10, TimeUnit.SECONDS)).as("the client sent its ClientHello").containsExactly(0x16);
      assertThat(handler.closeCount()).isZero();
    }
  }

  /** A tcps acceptor's URI keeps the scheme, with the real port; a peer that speaks plain TCP to it is closed unanswered. */
  @Test
  void theBoundUriIsTcpsAndAPlainPeerIsClosedUnanswered(@TempDir Path tmp) throws Exception {
    TestTls tls = TestTls.create(tmp);
    try (Acceptor acceptor = provider.bind(URI.create("tcps://127.0.0.1:0"),
        TransportOptions.builder().sslContext(tls.serverContext()).build(), ch -> RecordingFrameHandler.echo())) {
      assertThat(acceptor.uri()).isEqualTo(URI.create("tcps://127.0.0.1:" + acceptor.localAddress().getPort()));
      try (Socket plainPeer = new Socket()) {
        plainPeer.connect(new InetSocketAddress(Network.loopback(), acceptor.localAddress().getPort()), 5_000);
        OutputStream out = plainPeer.getOutputStream();
        out.write(new byte[64]); // a plain varint frame of zeros: not a TLS record
        out.flush();
        plainPeer.setSoTimeout(5_000);
        int answer;
        try {
          answer = plainPeer.getInputStream().read();
        } catch (java.net.SocketException reset) {
          answer = -1;
        }
        assertThat(answer).as("closed without an answer").isEqualTo(-1);
      }
    }
  }
}
