package io.imlink.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ImEngine;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.tck.EngineProbe;
import io.imlink.tck.Network;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client given several servers tries them in order on each attempt cycle: a network where TCP is
 * blocked falls back to WebSocket. (Both transports are on this module's test class path.)
 */
class TransportFallbackTest {
  @TempDir Path tmp;

  @Test
  void aBlockedTcpServerFallsBackToWebSocket() throws Exception {
    try (ImServer server = ImServer.builder()
        .app("app", "app-secret-123")
        .listen(URI.create("ws://127.0.0.1:0/im"))
        .httpApi(new InetSocketAddress(Network.loopback(), 0))
        .build()
        .start()) {
      String token = new ServerApiClient(server.httpApiUri().orElseThrow(), "app", "app-secret-123").getToken("zed");
      URI blockedTcp = URI.create("tcp://127.0.0.1:" + Network.freePort());
      try (ImEngine engine = ImEngine.builder("app")
          .servers(List.of(blockedTcp, server.listenUris().get(0)))
          .dataDirectory(tmp)
          .build()) {
        EngineProbe probe = EngineProbe.attach(engine);
        engine.connect(token, 10);
        probe.awaitStatus(io.imlink.api.ConnectionStatus.CONNECTED);
        assertThat(probe.trace()).containsExactly("onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(0, \"zed\")", "CONNECTED(0)");
        assertThat(server.stats().sessionsAccepted()).isEqualTo(1);
      }
    }
  }
}
