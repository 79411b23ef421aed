package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link TransportContract} over TLS, plus what only TLS has: a client that does not trust the
 * server's certificate, or reaches it by a name the certificate lacks, fails its connect promptly
 * with an {@link javax.net.ssl.SSLException}; plain and TLS peers crossed are refused promptly; and
 * the server goes on serving. A transport's TLS suite extends this with its secure {@link
 * #listenUri()} ({@code tcps}, {@code wss}, {@code grpcs}).
 */
public abstract class TlsTransportContract extends TransportContract {
  @Override
  protected final boolean tls() {
    return true;
  }

  /**
   * The plain scheme of the transport for the secure {@link #listenUri()} of a TLS suite, for the
   * tests that cross plain and TLS peers. By default the secure scheme without its final {@code s}.
   */
  protected String plainScheme() {
    String secure = listenUri().getScheme();
    return secure.endsWith("s") ? secure.substring(0, secure.length() - 1) : secure;
  }

  /** How soon a TLS failure must be reported: well within the suite's 5 s connect timeout, so a failure never waits it out. */
  private static final Duration TLS_FAILURE_BOUND = Duration.ofSeconds(4);

  /**
   * Connects with {@code c} to {@code uri}, expects the connect to fail within {@link
   * #TLS_FAILURE_BOUND}, and returns the failure's cause; the handler never hears of the connection.
   */
  private static Throwable connectFails(Connector c, URI uri) throws Exception {
    RecordingFrameHandler handler = new RecordingFrameHandler();
    long start = System.nanoTime();
    CompletableFuture<FrameChannel> f = c.connect(uri, handler);
    Throwable failure;
    try {
      FrameChannel opened = f.get(TLS_FAILURE_BOUND.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("the connect to " + uri + " succeeded: " + opened);
    } catch (ExecutionException e) {
      failure = e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the connect to " + uri + " neither failed nor succeeded within " + TLS_FAILURE_BOUND, e);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(TLS_FAILURE_BOUND);
    assertThat(failure).as("the connect's failure").isNotNull();
    assertThat(failure.getMessage()).as("the failure says what went wrong: %s", failure).isNotBlank();
    assertThat(handler.closeCount()).as("a connection never opened is never reported closed").isZero();
    return failure;
  }

  /** The first {@code type} in {@code t}'s cause chain, or null. */
  private static <T extends Throwable> T inChain(Throwable t, Class<T> type) {
    for (Throwable x = t; x != null; x = x.getCause() == x ? null : x.getCause()) {
      if (type.isInstance(x)) {
        return type.cast(x);
      }
    }
    return null;
  }

  /** The suite's acceptor still serves a trusting TLS client, echoing its frames. */
  private void theServerStillServes() throws Exception {
    RecordingFrameHandler late = new RecordingFrameHandler();
    connect(late).send(new byte[] {42});
    assertThat(late.nextFrame()).as("the server serves after the failure").containsExactly(42);
  }

  /**
   * A client whose context does not trust the server's certificate (another self-signed one)
   * fails its connect promptly with an {@link javax.net.ssl.SSLException} in the cause chain; the
   * server never hands the connection over and goes on serving.
   */
  @Test
  void aClientThatDoesNotTrustTheServerCertificateFailsWithAnSslException() throws Exception {
    Connector untrusting = provider.newConnector(
        options(MAX).toBuilder().sslContext(other.clientContext()).build());
    cleanup.add(untrusting);
    Throwable failure = connectFails(untrusting, acceptor.uri());
    assertThat(inChain(failure, javax.net.ssl.SSLException.class)).as("an SSLException in %s", failure).isNotNull();
    assertThat(inChain(failure, java.security.cert.CertificateException.class))
        .as("the certificate was refused: %s", failure).isNotNull();
    assertThat(serverHandlers).as("no connection handed over without a handshake").isEmpty();
    theServerStillServes();
  }

  /**
   * A client reaching the server by an address its certificate does not name ({@code 127.0.0.2};
   * the certificate names {@code localhost} and {@code 127.0.0.1}) fails host name verification,
   * although it trusts the certificate: the transport verifies host names whatever the client's
   * context says.
   */
  @Test
  void aClientReachingTheServerByANameNotInItsCertificateFailsHostNameVerification() throws Exception {
    InetSocketAddress other = new InetSocketAddress("127.0.0.2", 0);
    Acceptor elsewhere;
    try {
      elsewhere = provider.bind(Network.withAddress(listenUri(), other), serverOptions(MAX), ch -> {
        RecordingFrameHandler h = RecordingFrameHandler.echo();
        serverHandlers.add(h);
        return h;
      });
    } catch (IOException cannotBind) {
      Assumptions.abort("this system does not route 127.0.0.2 to loopback: " + cannotBind);
      return;
    }
    cleanup.add(elsewhere);
    assertThat(elsewhere.uri().getHost()).isEqualTo("127.0.0.2");
    // The suite's client (ClientTls: host names verified by the policy) and one with the bare test
    // context, which does not ask for host name verification: the transport asks for it itself.
    Connector bare = provider.newConnector(options(MAX).toBuilder().sslContext(trusted.clientContext()).build());
    cleanup.add(bare);
    for (Connector c : List.of(connector, bare)) {
      Throwable failure = connectFails(c, elsewhere.uri());
      assertThat(inChain(failure, javax.net.ssl.SSLException.class)).as("an SSLException in %s", failure).isNotNull();
      java.security.cert.CertificateException refused = inChain(failure, java.security.cert.CertificateException.class);
      assertThat(refused).as("the certificate was refused: %s", failure).isNotNull();
      assertThat(refused.getMessage()).as("for the host name").contains("127.0.0.2");
    }
    assertThat(serverHandlers).as("no connection handed over without a handshake").isEmpty();
    // Both are good for the name in the certificate.
    theServerStillServes();
    RecordingFrameHandler viaBare = new RecordingFrameHandler();
    connect(bare, acceptor.uri(), viaBare).send(new byte[] {43});
    assertThat(viaBare.nextFrame()).as("the bare context is good for the name in the certificate").containsExactly(43);
  }

  /**
   * A plain client ({@link #plainScheme()}) at a TLS listener gets no service: its connect fails
   * promptly, or (a transport without a handshake of its own, TCP) the server closes the
   * connection at the client's first bytes without answering them; nothing is handed over and the
   * server goes on serving TLS clients.
   */
  @Test
  void aPlainClientAtATlsListenerIsRefusedPromptly() throws Exception {
    Connector plain = provider.newConnector(options(MAX));
    cleanup.add(plain);
    URI uri = withScheme(acceptor.uri(), plainScheme());
    RecordingFrameHandler handler = new RecordingFrameHandler();
    long start = System.nanoTime();
    CompletableFuture<FrameChannel> f = plain.connect(uri, handler);
    FrameChannel opened = null;
    try {
      opened = f.get(TLS_FAILURE_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException refused) {
      assertThat(refused.getCause()).as("the refusal").isNotNull();
      assertThat(refused.getCause().getMessage()).as("the refusal says why: %s", refused.getCause()).isNotBlank();
    }
    if (opened != null) {
      byte[] first = new byte[64]; // as long as a first ConnectRequest; a TLS server needs 5 bytes to judge a record
      java.util.Arrays.fill(first, (byte) 1);
      opened.send(first);
      handler.awaitClosed();
      assertThat(handler.pollFrame()).as("the TLS listener answers no plain frame").isNull();
      assertThat(handler.closeCount()).isEqualTo(1);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused promptly").isLessThan(TLS_FAILURE_BOUND);
    assertThat(serverHandlers).as("no plain connection handed over").isEmpty();
    theServerStillServes();
  }

  /**
   * A TLS client at a plain listener of the same transport fails its connect promptly with an
   * exception that says what went wrong (never a hang), and the plain listener goes on serving
   * plain clients.
   *
   * <p>The plain listener's application closes a connection whose first frame it cannot read, as
   * an imlink server does with a first frame that is not a ConnectRequest: a transport without a
   * handshake of its own (TCP) hands the ClientHello to the application as frames, and only the
   * application can refuse them (against one that never does, the client's connect timeout ends
   * the handshake). Other transports refuse the ClientHello themselves.
   */
  @Test
  void aTlsClientAtAPlainListenerFailsPromptly() throws Exception {
    byte[] hello = {7};
    Acceptor plain = provider.bind(withScheme(listenUri(), plainScheme()), options(MAX), ch -> new RecordingFrameHandler(
        (c, f) -> {
          if (java.util.Arrays.equals(f, hello)) {
            c.send(f);
          } else {
            c.close(); // not what this application's clients say first
          }
        }));
    cleanup.add(plain);
    Throwable failure = connectFails(connector, withScheme(plain.uri(), listenUri().getScheme()));
    assertThat(inChain(failure, IOException.class)).as("an IOException in %s", failure).isNotNull();
    Connector plainClient = provider.newConnector(options(MAX));
    cleanup.add(plainClient);
    RecordingFrameHandler late = new RecordingFrameHandler();
    connect(plainClient, plain.uri(), late).send(hello);
    assertThat(late.nextFrame()).as("the plain listener serves plain clients after the TLS one").isEqualTo(hello);
    theServerStillServes();
  }

  /** {@code uri} with another scheme. */
  private static URI withScheme(URI uri, String scheme) {
    try {
      return new URI(scheme, uri.getUserInfo(), uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(), null);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(e);
    }
  }

}
