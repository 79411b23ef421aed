package io.imlink.transport.tcp.internal;

import io.imlink.api.spi.TransportOptions;
import io.netty.handler.ssl.SslHandler;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * TLS for {@code tcps://}, the one place both sides take it from: whether a URI is secure, the
 * context it needs, and the Netty {@link SslHandler} over a JDK {@link SSLEngine} that goes first in
 * a connection's pipeline. A server's engine comes from {@link SSLContext#createSSLEngine()} in
 * server mode; a client's from {@link SSLContext#createSSLEngine(String, int)} in client mode, with
 * the server's name sent by SNI (host names only: SNI carries no IP addresses) and {@code HTTPS}
 * endpoint identification set, so that a certificate for another host fails the handshake whatever
 * the context's own defaults are.
 *
 * <p>Thread safety: stateless; each handler it makes belongs to one connection.
 */
final class TcpTls {
  /** The secure scheme: TLS, then the same varint-framed stream as {@code tcp}. */
  static final String SCHEME = "tcps";

  private TcpTls() {}

  /** Whether {@code uri} asks for TLS. */
  static boolean secure(URI uri) {
    return SCHEME.equalsIgnoreCase(uri.getScheme());
  }

  /**
   * The context a {@code tcps} URI needs, or null for {@code tcp}.
   *
   * @throws IllegalArgumentException {@code uri} is {@code tcps} and {@code options} have no context
   */
  static SSLContext contextFor(URI uri, TransportOptions options, String whereToSetIt) {
    if (!secure(uri)) {
      return null;
    }
    return options.sslContext().orElseThrow(() -> new IllegalArgumentException(
        "tcps:// needs TransportOptions.sslContext(...)" + whereToSetIt + ": " + uri));
  }

  /**
   * A server's handler; its handshake must complete within {@code handshakeTimeout} of the channel
   * becoming active (the TCP accept), else the handler closes the connection.
   */
  static SslHandler server(SSLContext context, Duration handshakeTimeout) {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    return handler(engine, handshakeTimeout.toMillis());
  }

  /**
   * A client's handler for {@code host:port}: SNI and host name verification on. Its own handshake
   * timer is off: the connector bounds the connect and the handshake together by the connect timeout.
   */
  static SslHandler client(SSLContext context, String host, int port) {
    SSLEngine engine = context.createSSLEngine(host, port);
    engine.setUseClientMode(true);
    SSLParameters p = engine.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    if (isHostName(host)) {
      p.setServerNames(List.of(new SNIHostName(host)));
    }
    engine.setSSLParameters(p);
    return handler(engine, 0);
  }

  private static SslHandler handler(SSLEngine engine, long handshakeTimeoutMillis) {
    SslHandler h = new SslHandler(engine);
    h.setHandshakeTimeout(handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
    return h;
  }

  /** Not an IPv4 or IPv6 literal (and so a name SNI may carry). */
  private static boolean isHostName(String host) {
    if (host.indexOf(':') >= 0) {
      return false; // IPv6
    }
    return !host.matches("[0-9.]+") && !host.endsWith(".");
  }
}
