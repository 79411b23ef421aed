package io.imlink.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ConversationType;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.MessageStatus;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sender writes each message to its store and to the network at the same time. Killed (SIGKILL)
 * while both are in flight, then restarted: every message in its store reaches the recipient, the
 * ones that reached the server before their commit are not resent, and none arrives twice. The kill
 * is repeated until it lands between a send and its commit at least once, which the test proves by
 * a message the recipient has and the sender's store does not.
 */
class KilledSenderTest {
  private static final int TOTAL = 3_000;
  private static final int MAX_ROUNDS = 5;
  @TempDir Path tmp;

  @Test
  void aSenderKilledBetweenSendAndCommitLosesNothingItStoredAndDuplicatesNothing() throws Exception {
    try (ImServer server = ImServer.builder().app("kill-app", "kill-app-secret")
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .dataDirectory(tmp.resolve("server")).build().start()) {
      ServerApiClient api = new ServerApiClient(server.httpApiUri().orElseThrow(), "kill-app", "kill-app-secret");
      URI uri = server.listenUris().get(0);
      int windowHits = 0;
      for (int round = 0; round < MAX_ROUNDS && windowHits == 0; round++) {
        windowHits = round(api, uri, round);
      }
      assertThat(windowHits).as("in %d rounds, a kill landed between a send and its commit", MAX_ROUNDS).isPositive();
    }
  }

  /** One kill and restart; returns how many messages reached the recipient without being in the sender's store. */
  private int round(ServerApiClient api, URI uri, int round) throws Exception {
    String sender = "sender-" + round;
    String recipient = "recipient-" + round;
    Path data = tmp.resolve("sender-" + round);
    Map<String, Integer> received = new ConcurrentHashMap<>();
    try (ImEngine receiver = ImEngine.builder("kill-app").server(uri).storage("memory")
        .dataDirectory(tmp.resolve("recipient-" + round)).build()) {
      receiver.addMessageListener((m, left, offline) -> received.merge(m.content(), 1, Integer::sum));
      EngineProbe rp = EngineProbe.attach(receiver);
      receiver.connect(api.getToken(recipient), 0);
      rp.awaitStatus(ConnectionStatus.CONNECTED);

      String token = api.getToken(sender);
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
          KillableSender.class.getName(), uri.toString(), token, data.toString(), String.valueOf(TOTAL), recipient)
          .redirectErrorStream(true).start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = out.readLine()) != null && !line.equals("connected")) {
          // the child's log lines
        }
        // Kill while the burst is on its way: after some messages arrived, long before all did.
        Await.until("the burst is arriving", () -> received.size() >= 200, Duration.ofSeconds(60));
        child.destroyForcibly();
      }
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();

      Set<String> stored = new HashSet<>();
      int unsent = 0;
      try (MessageStore store = new SqliteStorageProvider().open(new StoreLocation("kill-app", sender, data))) {
        for (Message m : store.history(ConversationType.PRIVATE, recipient, null, TOTAL)) {
          stored.add(m.content());
          if (m.status() == MessageStatus.SENDING) {
            unsent++;
          }
        }
      }
      Set<String> beforeRestart = Set.copyOf(received.keySet());

      // Restarted, the sender resends what its store still has as sending; the server knows some.
      try (ImEngine again = ImEngine.builder("kill-app").server(uri).dataDirectory(data).deviceId("sender-device")
          .build()) {
        EngineProbe probe = EngineProbe.attach(again);
        again.connect(token, 0);
        probe.awaitStatus(ConnectionStatus.CONNECTED);
        Await.until("every stored message reached the recipient", () -> received.keySet().containsAll(stored),
            Duration.ofSeconds(60));
        Await.until("every stored message is acknowledged", () -> again
            .getHistory(ConversationType.PRIVATE, recipient, null, TOTAL).stream()
            .noneMatch(m -> m.status() == MessageStatus.SENDING), Duration.ofSeconds(60));
      }
      assertThat(received.values()).as("no message arrived twice").allMatch(n -> n == 1);
      // What arrived and was never stored reached the server between its send and its commit.
      Set<String> neverStored = new HashSet<>(received.keySet());
      neverStored.removeAll(stored);
      System.out.printf("round %d: %d stored (%d still sending at the kill), %d arrived before the restart,"
          + " %d in all, %d of them never stored by the sender%n", round, stored.size(), unsent,
          beforeRestart.size(), received.size(), neverStored.size());
      return neverStored.size();
    }
  }
}
