package io.imlink.transport.tcp.internal;

import java.net.InetSocketAddress;
import java.net.URI;

/** Parsing of {@code tcp://host:port} URIs. */
final class TcpAddresses {
  private TcpAddresses() {}

  static InetSocketAddress forConnect(URI uri) {
    check(uri);
    if (uri.getPort() < 1 || uri.getPort() > 65535) {
      throw new IllegalArgumentException("tcp URI needs a port from 1 to 65535: " + uri);
    }
    return InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort());
  }

  static InetSocketAddress forBind(URI uri) {
    check(uri);
    if (uri.getPort() < 0 || uri.getPort() > 65535) {
      throw new IllegalArgumentException("tcp URI needs a port from 0 to 65535 (0 = any free port): " + uri);
    }
    return new InetSocketAddress(uri.getHost(), uri.getPort());
  }

  static URI uri(String host, int port) {
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    return URI.create("tcp://" + h + ":" + port);
  }

  private static void check(URI uri) {
    if (uri == null || !"tcp".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      throw new IllegalArgumentException("not a tcp://host:port URI: " + uri);
    }
  }
}
