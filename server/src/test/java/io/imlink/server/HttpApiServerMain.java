package io.imlink.server;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * A server with only the HTTP API, run in a process of its own by {@code HttpApiLimitsTest} (which
 * gives it a low limit of file descriptors): prints {@code API <uri>} once started, stops when its
 * standard input ends. Arguments: the app key, its secret, the data directory.
 */
public final class HttpApiServerMain {
  private HttpApiServerMain() {}

  public static void main(String[] args) throws Exception {
    try (ImServer server = ImServer.builder().app(args[0], args[1])
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .dataDirectory(Path.of(args[2]))
        .build().start()) {
      System.out.println("API " + server.httpApiUri().orElseThrow());
      System.out.flush();
      System.in.readAllBytes();
    }
  }
}
