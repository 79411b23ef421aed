package io.imlink.transport.tcp.internal;

import java.net.InetSocketAddress;
import java.net.URI;

/** Parsing of {@code tcp://host:port} and {@code tcps://host:port} URIs. */
final class TcpAddresses {
  private TcpAddresses() {}

  static InetSocketAddress forConnect(URI uri) {
    check(uri);
    if (uri.getPort() < 1 || uri.getPort() > 65535) {
      throw new IllegalArgumentException(uri.getScheme() + " URI needs a port from 1 to 65535: " + uri);
    }
    return InetSocketAddress.createUnresolved(host(uri), uri.getPort());
  }

  static InetSocketAddress forBind(URI uri) {
    check(uri);
    if (uri.getPort() < 0 || uri.getPort() > 65535) {
      throw new IllegalArgumentException(
          uri.getScheme() + " URI needs a port from 0 to 65535 (0 = any free port): " + uri);
    }
    return new InetSocketAddress(host(uri), uri.getPort());
  }

  /** The URI of {@code host:port} with {@code scheme} ({@code tcp} or {@code tcps}). */
  static URI uri(String scheme, String host, int port) {
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return URI.create(scheme.toLowerCase(java.util.Locale.ROOT) + "://" + h + ":" + port);
  }

  /** The host of {@code uri} without the brackets of an IPv6 literal. */
  static String host(URI uri) {
    String h = uri.getHost();
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  private static void check(URI uri) {
    if (uri == null || uri.getHost() == null
        || !("tcp".equalsIgnoreCase(uri.getScheme()) || TcpTls.SCHEME.equalsIgnoreCase(uri.getScheme()))) {
      throw new IllegalArgumentException("not a tcp://host:port or tcps://host:port URI: " + uri);
    }
  }
}
