package io.imlink.cli;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The server processes and client installations of one cluster test, and their cleanup: {@link
 * #close} closes the clients, kills the processes that still run, and keeps their logs in {@code
 * target/<logs>}, also when a test failed.
 *
 * <p>Thread safety: the test's thread.
 */
final class ClusterProcesses implements AutoCloseable {
  final List<ServerProcess> nodes = new ArrayList<>();
  private final List<AutoCloseable> clients = new ArrayList<>();
  private final Path dir;
  private final String logs;

  /** Clients' data and the nodes' logs under {@code dir}; the logs kept in {@code target/<logs>}. */
  ClusterProcesses(Path dir, String logs) {
    this.dir = dir;
    this.logs = logs;
  }

  /** A client installation in {@code client-<installation>}, closed with the rest. */
  ClusterUser user(String installation, List<URI> servers, Duration ping, Duration pong) {
    ClusterUser u = new ClusterUser(dir.resolve("client-" + installation), servers, ping, pong);
    clients.add(u);
    return u;
  }

  /** The nodes' client addresses in the order given by their indexes. */
  List<URI> uris(int... order) {
    List<URI> uris = new ArrayList<>();
    for (int i : order) {
      uris.add(nodes.get(i).uri());
    }
    return uris;
  }

  /** The nodes' member addresses, for {@code --member}. */
  List<String> members() {
    return nodes.stream().map(ServerProcess::memberAddress).toList();
  }

  @Override
  public void close() throws Exception {
    try {
      for (AutoCloseable c : clients) {
        c.close();
      }
    } finally {
      for (ServerProcess n : nodes) {
        n.stop();
      }
      ServerProcess.keepLogs(dir, logs);
    }
  }
}
