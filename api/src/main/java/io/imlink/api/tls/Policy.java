package io.imlink.api.tls;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The TLS rules that hold on every imlink connection, in one place: only TLS 1.3 and 1.2, and on
 * a client, host name verification ({@code HTTPS} endpoint identification) always on. Applied by
 * wrapping an {@link SSLContext}: every engine and socket it makes, and its default parameters (which
 * Netty and gRPC read), carry the rules, whichever transport uses the context.
 *
 * <p>Thread safety: stateless; the contexts it makes are as thread-safe as the JDK's.
 */
final class Policy {
  /** The protocols allowed, newest first. */
  static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private Policy() {}

  /** {@link #PROTOCOLS} as a list. */
  static java.util.List<String> protocols() {
    return java.util.List.of(PROTOCOLS);
  }

  /** {@code delegate}, initialised, with the rules applied; {@code client} adds host name verification. */
  static SSLContext wrap(SSLContext delegate, boolean client) {
    return new SSLContext(new Spi(delegate, client), delegate.getProvider(), delegate.getProtocol()) {};
  }

  static SSLContext newContext(KeyManager[] keys, TrustManager[] trust) throws KeyManagementException {
    SSLContext context;
    try {
      context = SSLContext.getInstance("TLS");
    } catch (java.security.NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("this JDK has no TLS", impossible);
    }
    context.init(keys, trust, new SecureRandom());
    return context;
  }

  static SSLParameters apply(SSLParameters p, boolean client) {
    String[] allowed = Arrays.stream(p.getProtocols() != null ? p.getProtocols() : PROTOCOLS)
        .filter(x -> Arrays.asList(PROTOCOLS).contains(x))
        .toArray(String[]::new);
    p.setProtocols(allowed.length > 0 ? allowed : PROTOCOLS);
    if (client) {
      p.setEndpointIdentificationAlgorithm("HTTPS");
    }
    return p;
  }

  private static SSLEngine apply(SSLEngine e, boolean client) {
    e.setSSLParameters(apply(e.getSSLParameters(), client));
    return e;
  }

  private static Socket apply(Socket s, boolean client) {
    if (s instanceof SSLSocket ssl) {
      ssl.setSSLParameters(apply(ssl.getSSLParameters(), client));
    }
    return s;
  }

  private static final class Spi extends SSLContextSpi {
    private final SSLContext delegate;
    private final boolean client;

    Spi(SSLContext delegate, boolean client) {
      this.delegate = delegate;
      this.client = client;
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) {
      throw new IllegalStateException("an imlink TLS context is initialised when made");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
      return new Sockets(delegate.getSocketFactory(), client);
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
      return new ServerSockets(delegate.getServerSocketFactory());
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
      return apply(delegate.createSSLEngine(), client);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
      return apply(delegate.createSSLEngine(host, port), client);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
      return delegate.getServerSessionContext();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
      return delegate.getClientSessionContext();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
      return apply(delegate.getDefaultSSLParameters(), client);
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
      return apply(delegate.getSupportedSSLParameters(), client);
    }
  }

  private static final class Sockets extends SSLSocketFactory {
    private final SSLSocketFactory delegate;
    private final boolean client;

    Sockets(SSLSocketFactory delegate, boolean client) {
      this.delegate = delegate;
      this.client = client;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
      return apply(delegate.createSocket(), client);
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
      return apply(delegate.createSocket(s, host, port, autoClose), client);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return apply(delegate.createSocket(host, port), client);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return apply(delegate.createSocket(host, port, localHost, localPort), client);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return apply(delegate.createSocket(host, port), client);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return apply(delegate.createSocket(address, port, localAddress, localPort), client);
    }
  }

  private static final class ServerSockets extends SSLServerSocketFactory {
    private final SSLServerSocketFactory delegate;

    ServerSockets(SSLServerSocketFactory delegate) {
      this.delegate = delegate;
    }

    private static java.net.ServerSocket apply(java.net.ServerSocket s) {
      if (s instanceof SSLServerSocket ssl) {
        ssl.setSSLParameters(Policy.apply(ssl.getSSLParameters(), false));
      }
      return s;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public java.net.ServerSocket createServerSocket() throws IOException {
      return apply(delegate.createServerSocket());
    }

    @Override
    public java.net.ServerSocket createServerSocket(int port) throws IOException {
      return apply(delegate.createServerSocket(port));
    }

    @Override
    public java.net.ServerSocket createServerSocket(int port, int backlog) throws IOException {
      return apply(delegate.createServerSocket(port, backlog));
    }

    @Override
    public java.net.ServerSocket createServerSocket(int port, int backlog, InetAddress ifAddress)
        throws IOException {
      return apply(delegate.createServerSocket(port, backlog, ifAddress));
    }
  }
}
