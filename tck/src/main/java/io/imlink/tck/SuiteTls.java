package io.imlink.tck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import io.imlink.api.tls.ClientTls;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that gives a test class's methods one {@link Material}: {@link TestTls}
 * certificates made on first use and kept for the whole class (each costs a keytool run, about a
 * second), then deleted with their directory once the class has run. Declare a {@link Material}
 * parameter on a {@code @BeforeEach} or {@code @Test} method of a class extended with it.
 *
 * <p>Thread safety: a {@link Material} may be used from any thread; it makes each certificate at
 * most once, blocking callers meanwhile.
 */
final class SuiteTls implements ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SuiteTls.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Material.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    ExtensionContext owner = context;
    while (owner.getTestMethod().isPresent() && owner.getParent().isPresent()) {
      owner = owner.getParent().get(); // the class's context: the material outlives each test
    }
    return owner.getStore(NAMESPACE).getOrComputeIfAbsent(Material.class, k -> new Material(), Material.class);
  }

  /** The certificates of one test class, made lazily. */
  static final class Material implements AutoCloseable {
    private Path directory; // guarded by this
    private TestTls trusted; // guarded by this
    private TestTls other; // guarded by this
    private ClientTls clientTls; // guarded by this

    /** The suite's certificate for {@code localhost}/{@code 127.0.0.1}: its server's and its clients' contexts. */
    synchronized TestTls trusted() {
      if (trusted == null) {
        trusted = create();
      }
      return trusted;
    }

    /**
     * A client's trust as an app configures it ({@link ClientTls}: the imlink TLS policy, host name
     * verification and TLS 1.3/1.2 only), trusting {@link #trusted()}'s certificate, which it reads
     * from a TLS handshake with that server over loopback.
     */
    synchronized ClientTls clientTls() {
      if (clientTls == null) {
        try {
          clientTls = ClientTls.builder().trust(certificateOf(trusted())).build();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("cannot trust the test certificate: " + e.getMessage(), e);
        }
      }
      return clientTls;
    }

    /** The certificate {@code tls}'s server presents, as its client sees it in a handshake on loopback. */
    private static X509Certificate certificateOf(TestTls tls) throws IOException {
      try (SSLServerSocket server = (SSLServerSocket) tls.serverContext().getServerSocketFactory()
          .createServerSocket(0, 1, Network.loopback())) {
        Thread serving = new Thread(() -> {
          try (SSLSocket accepted = (SSLSocket) server.accept()) {
            accepted.startHandshake();
            accepted.getInputStream().read(); // until the client closes
          } catch (IOException endedByTheClient) {
            // the handshake is all it is for
          }
        }, "imlink-tck-tls-certificate");
        serving.setDaemon(true);
        serving.start();
        try (SSLSocket client = (SSLSocket) tls.clientContext().getSocketFactory()
            .createSocket(Network.loopback(), server.getLocalPort())) {
          client.setSoTimeout(10_000);
          client.startHandshake();
          return (X509Certificate) client.getSession().getPeerCertificates()[0];
        } finally {
          try {
            serving.join(10_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
    }

    /** Another self-signed certificate: a client with its context does not trust {@link #trusted()}'s server. */
    synchronized TestTls other() {
      if (other == null) {
        other = create();
      }
      return other;
    }

    private TestTls create() {
      try {
        if (directory == null) {
          directory = Files.createTempDirectory("imlink-tck-tls");
        }
        return TestTls.create(directory);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("cannot make a test certificate: " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while making a test certificate", e);
      }
    }

    @Override
    public synchronized void close() throws IOException {
      if (directory == null) {
        return;
      }
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
      directory = null;
    }
  }
}
