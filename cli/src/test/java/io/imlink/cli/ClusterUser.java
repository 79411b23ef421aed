package io.imlink.cli;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.ReconnectPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One client installation of a cluster test: an engine for {@link ServerProcess#APP} with its own
 * data directory (so its own device id), the servers it tries in order, short reconnect gaps and
 * the given ping, and what it received and the statuses it went through (as {@code STATUS(code)}).
 *
 * <p>Thread safety: the lists are filled on the engine's callback threads and may be read from any
 * thread.
 */
final class ClusterUser implements AutoCloseable {
  final ImEngine engine;
  final List<Message> received = new CopyOnWriteArrayList<>();
  final List<String> statuses = new CopyOnWriteArrayList<>();

  ClusterUser(Path dataDirectory, List<URI> servers, Duration ping, Duration pong) {
    engine = ImEngine.builder(ServerProcess.APP).servers(servers).dataDirectory(dataDirectory)
        .reconnectPolicy(ReconnectPolicy.fixed(Duration.ofMillis(100)))
        .pingInterval(ping).pongTimeout(pong).build();
    engine.addMessageListener((m, left, offline) -> received.add(m));
    engine.addConnectionStatusListener((status, code) -> statuses.add(status + "(" + code + ")"));
  }

  boolean connected() {
    return engine.getConnectionStatus() == ConnectionStatus.CONNECTED;
  }

  @Override
  public void close() {
    engine.close();
  }
}
