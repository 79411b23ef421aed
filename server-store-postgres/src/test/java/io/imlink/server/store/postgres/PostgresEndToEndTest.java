package io.imlink.server.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.SendMessageCallback;
import io.imlink.server.ImServer;
import io.imlink.tck.EngineFixture;
import io.imlink.tck.EngineProbe;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two reference servers (two nodes) on one PostgreSQL database, engines over TCP: a message sent
 * through one node to an offline user reaches that user when it connects to the other.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PostgresEndToEndTest extends EngineFixture {
  private final String url = EmbeddedPostgresFixture.newDatabaseUrl();

  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }

  @Override
  protected ImServer.Builder serverBuilder() {
    return super.serverBuilder().store("postgres").storeProperty("jdbc.url", url).storeProperty("state.refresh", "100");
  }

  @Test
  void aMessageSentThroughOneNodeReachesItsOfflineRecipientOnTheOther() throws Exception {
    startServer(); // node A, with the HTTP API
    ImServer nodeB = closeLater(serverBuilder().app(APP_KEY, APP_SECRET).listen(listenUri()).build().start());

    ImEngine alice = build(engine(serverUri()).dataDirectory(tmp.resolve("alice")));
    EngineProbe aliceProbe = EngineProbe.attach(alice);
    assertThat(alice.connect(api.getToken("alice"), 0)).isZero();
    aliceProbe.awaitStatus(ConnectionStatus.CONNECTED);

    CompletableFuture<Message> sent = new CompletableFuture<>();
    assertThat(alice.sendMessage("bob", "RC:TxtMsg", "{\"content\":\"hi bob\"}", new SendMessageCallback() {
      @Override
      public void onSent(Message m) {
        sent.complete(m);
      }

      @Override
      public void onFailed(Message m, int code) {
        sent.completeExceptionally(new AssertionError("send failed: " + code));
      }
    })).isZero();
    Message m = sent.get(30, TimeUnit.SECONDS);

    ImEngine bob = build(engine(nodeB.listenUris().get(0)).dataDirectory(tmp.resolve("bob")));
    List<Message> received = new CopyOnWriteArrayList<>();
    bob.addMessageListener((r, left, offline) -> received.add(r));
    EngineProbe bobProbe = EngineProbe.attach(bob);
    assertThat(bob.connect(api.getToken("bob"), 0)).isZero();
    bobProbe.awaitStatus(ConnectionStatus.CONNECTED);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10); // polling for the delivery with a deadline
    }
    assertThat(received).hasSize(1);
    assertThat(received.get(0).serverMessageId()).isEqualTo(m.serverMessageId());
    assertThat(received.get(0).content()).isEqualTo("{\"content\":\"hi bob\"}");
    assertThat(received.get(0).senderUserId()).isEqualTo("alice");
  }
}
