package io.imlink.transport.tcp.internal;

import io.imlink.api.spi.TransportOptions;
import io.imlink.api.tls.ClientTls;
import io.imlink.api.tls.ServerTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS for {@code tcps://}, the one place both sides take it from: whether a URI is secure, which TLS
 * implementation serves it, and the Netty {@link SslHandler} that goes first in a connection's
 * pipeline. Made once per acceptor or connector, from its {@link TransportOptions}.
 *
 * <p>The implementation ({@value #PROVIDER}: {@code auto}, the default, {@code openssl} or {@code
 * jdk}): OpenSSL (BoringSSL, from {@code io.netty:netty-tcnative-boringssl-static}) when that
 * artifact is on the class path and loads, and the options carry a {@link ServerTls} or {@link
 * ClientTls} ({@link TransportOptions.Builder#tls}), whose key or trust manager it uses at each
 * handshake, so that a server's reloaded certificate and a client's pins hold as on the JDK;
 * otherwise the JDK's engine from {@link TransportOptions#sslContext()}. {@code openssl} insists on
 * OpenSSL and fails at {@code bind} or {@code connect}, saying what to add, where it cannot be
 * used; {@code jdk} never uses it.
 *
 * <p>Either way a server offers only TLS 1.3 and 1.2, and a client's engine is made for the
 * server's host and port, in client mode, with the server's name sent by SNI (host names only: SNI
 * carries no IP addresses) and {@code HTTPS} endpoint identification set, so that a certificate for
 * another host fails the handshake whatever the context's own defaults are.
 *
 * <p>Thread safety: immutable; {@link #handler} may be called on any thread (each handler belongs
 * to one connection).
 */
final class TcpTls {
  /** The secure scheme: TLS, then the same varint-framed stream as {@code tcp}. */
  static final String SCHEME = "tcps";

  /** The transport property that picks the TLS implementation: {@code auto}, {@code openssl} or {@code jdk}. */
  static final String PROVIDER = "tcp.tls";

  private static final String OPENSSL_ARTIFACT = "io.netty:netty-tcnative-boringssl-static";

  private final boolean client;
  private final SSLContext jdk; // when not OpenSSL
  private final SslContext openSsl; // when OpenSSL
  private final long handshakeTimeoutMillis;

  private TcpTls(boolean client, SSLContext jdk, SslContext openSsl, long handshakeTimeoutMillis) {
    this.client = client;
    this.jdk = jdk;
    this.openSsl = openSsl;
    this.handshakeTimeoutMillis = handshakeTimeoutMillis;
  }

  /** Whether {@code uri} asks for TLS. */
  static boolean secure(URI uri) {
    return SCHEME.equalsIgnoreCase(uri.getScheme());
  }

  /**
   * A server's TLS for {@code uri}, or null for {@code tcp}. Its handshakes must complete within the
   * options' handshake timeout of the channel becoming active (the TCP accept), else the handler
   * closes the connection.
   *
   * @throws IllegalArgumentException {@code uri} is {@code tcps} and the options have no context,
   *     or ask for OpenSSL where it cannot be used
   */
  static TcpTls forServer(URI uri, TransportOptions options) {
    SSLContext context = contextFor(uri, options, " (for ImServer: ImServer.Builder.tls(...))");
    if (context == null) {
      return null;
    }
    SslContext openSsl = null;
    if (useOpenSsl(options, options.serverTls().isPresent(), "TransportOptions.Builder.tls(ServerTls)")) {
      ServerTls tls = options.serverTls().orElseThrow();
      openSsl = build(SslContextBuilder.forServer(tls.keyManager()).protocols(tls.protocols()));
    }
    return new TcpTls(false, context, openSsl, options.handshakeTimeout().toMillis());
  }

  /**
   * A client's TLS for {@code uri}, or null for {@code tcp}. Its own handshake timer is off: the
   * connector bounds the connect and the handshake together by the connect timeout.
   *
   * @throws IllegalArgumentException as {@link #forServer}
   */
  static TcpTls forClient(URI uri, TransportOptions options) {
    SSLContext context = contextFor(uri, options, "");
    if (context == null) {
      return null;
    }
    SslContext openSsl = null;
    if (useOpenSsl(options, options.clientTls().isPresent(), "TransportOptions.Builder.tls(ClientTls)")) {
      ClientTls tls = options.clientTls().orElseThrow();
      openSsl = build(SslContextBuilder.forClient().trustManager(tls.trustManager()).protocols(tls.protocols())
          .endpointIdentificationAlgorithm("HTTPS"));
    }
    return new TcpTls(true, context, openSsl, 0);
  }

  /** The implementation in use: {@code OpenSSL (BoringSSL …)} or {@code JDK}. */
  String implementation() {
    return openSsl != null ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
  }

  /** A new handler for one connection; {@code host} and {@code port} are the server's (clients only). */
  SslHandler handler(ByteBufAllocator alloc, String host, int port) {
    SSLEngine engine;
    if (openSsl != null) {
      engine = client ? openSsl.newEngine(alloc, host, port) : openSsl.newEngine(alloc);
    } else {
      engine = client ? jdk.createSSLEngine(host, port) : jdk.createSSLEngine();
    }
    engine.setUseClientMode(client);
    if (client) {
      SSLParameters p = engine.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS");
      if (isHostName(host)) {
        p.setServerNames(List.of(new SNIHostName(host)));
      }
      engine.setSSLParameters(p);
    }
    SslHandler h = new SslHandler(engine);
    h.setHandshakeTimeout(handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
    return h;
  }

  private static SSLContext contextFor(URI uri, TransportOptions options, String whereToSetIt) {
    if (!secure(uri)) {
      return null;
    }
    return options.sslContext().orElseThrow(() -> new IllegalArgumentException(
        "tcps:// needs TransportOptions.sslContext(...)" + whereToSetIt + ": " + uri));
  }

  /** What {@value #PROVIDER} and the class path decide; {@code managers}: the options name a ServerTls or ClientTls. */
  private static boolean useOpenSsl(TransportOptions options, boolean managers, String howToGiveThem) {
    String choice = options.property(PROVIDER).orElse("auto").toLowerCase(Locale.ROOT);
    switch (choice) {
      case "jdk":
        return false;
      case "auto":
        return managers && OpenSsl.isAvailable();
      case "openssl":
        if (!OpenSsl.isAvailable()) {
          Throwable why = OpenSsl.unavailabilityCause();
          throw new IllegalArgumentException(PROVIDER + "=openssl, but OpenSSL is not available: add "
              + OPENSSL_ARTIFACT + " (" + (why == null ? "not loaded" : why.toString()) + ")", why);
        }
        if (!managers) {
          throw new IllegalArgumentException(PROVIDER + "=openssl needs the identity or trust through "
              + howToGiveThem + ": a bare TransportOptions.sslContext(...) can only be used by the JDK");
        }
        return true;
      default:
        throw new IllegalArgumentException(PROVIDER + " is auto, openssl or jdk, got '" + choice + "'");
    }
  }

  private static SslContext build(SslContextBuilder b) {
    try {
      return b.sslProvider(SslProvider.OPENSSL).build();
    } catch (SSLException e) {
      throw new IllegalArgumentException("OpenSSL cannot be set up for tcps: " + e.getMessage(), e);
    }
  }

  /** Not an IPv4 or IPv6 literal (and so a name SNI may carry). */
  private static boolean isHostName(String host) {
    if (host.indexOf(':') >= 0) {
      return false; // IPv6
    }
    return !host.matches("[0-9.]+") && !host.endsWith(".");
  }
}
