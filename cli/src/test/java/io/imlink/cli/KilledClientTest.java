package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ConversationType;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StoreLocation;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.storage.sqlite.SqliteStorageProvider;
import io.imlink.tck.Await;
import io.imlink.tck.EngineProbe;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client killed mid-stream and restarted finds every acknowledged message in its store. */
class KilledClientTest {
  @TempDir Path tmp;

  @Test
  void everyAcknowledgedMessageSurvivesAKillAndTheRestComesAfterTheRestart() throws Exception {
    int total = 3_000;
    try (ImServer server = ImServer.builder().app("kill-app", "kill-app-secret")
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .dataDirectory(tmp.resolve("server")).build().start()) {
      ServerApiClient api = new ServerApiClient(server.httpApiUri().orElseThrow(), "kill-app", "kill-app-secret");
      String token = api.getToken("victim");
      Path data = tmp.resolve("client");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), KillableClient.class.getName(),
          server.listenUris().get(0).toString(), token, data.toString()).redirectErrorStream(true).start();
      Thread publisher = new Thread(() -> {
        try {
          for (int i = 0; i < total; i += 100) {
            for (int j = i; j < i + 100; j++) {
              api.publishPrivate("sender", List.of("victim"), "RC:TxtMsg", "{\"n\":" + j + "}");
            }
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null) {
          if (line.equals("connected") && !publisher.isAlive()) {
            publisher.start();
          }
          if (line.startsWith("received ") && Integer.parseInt(line.substring(9)) >= 1_000) {
            child.destroyForcibly(); // SIGKILL while messages are arriving
            break;
          }
        }
      }
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      long acked = server.acknowledgedSeq("kill-app", "victim", "victim-device");
      assertThat(acked).as("the client acknowledged messages before it died").isGreaterThanOrEqualTo(500);

      // Every acknowledged message (inbox seq 1..acked carries n = 0..acked-1) is in the store.
      try (MessageStore store = new SqliteStorageProvider().open(new StoreLocation("kill-app", "victim", data))) {
        Set<String> contents = new HashSet<>();
        for (Message m : store.history(ConversationType.PRIVATE, "sender", null, total)) {
          contents.add(m.content());
        }
        for (int n = 0; n < acked; n++) {
          assertThat(contents).as("acknowledged message %d", n).contains("{\"n\":" + n + "}");
        }
      }
      publisher.join();

      // Restarted, the client receives the rest, and nothing twice.
      try (ImEngine again = ImEngine.builder("kill-app").server(server.listenUris().get(0)).dataDirectory(data)
          .deviceId("victim-device").build()) {
        EngineProbe probe = EngineProbe.attach(again);
        again.connect(token, 0);
        probe.awaitStatus(ConnectionStatus.CONNECTED);
        Await.until("every message stored", () -> again.getHistory(ConversationType.PRIVATE, "sender", null, total + 1).size() == total,
            Duration.ofSeconds(60));
        List<Message> all = again.getHistory(ConversationType.PRIVATE, "sender", null, total + 1);
        assertThat(all.stream().map(Message::serverMessageId).distinct().count()).isEqualTo(total);
      }
    }
  }
}
