package io.imlink.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ConversationType;
import io.imlink.api.ImEngine;
import io.imlink.core.internal.DefaultImEngine;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.tck.EngineProbe;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With this artifact on the class path the engine stores in SQLite, with no code change (core's
 * tests show the in-memory store without it); the database opens before the network result.
 */
class EngineWithSqliteTest {
  @TempDir Path tmp;
  private ImServer server;
  private ServerApiClient api;

  @BeforeEach
  void startServer() throws Exception {
    server = ImServer.builder()
        .app("app", "app-secret-123")
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .build()
        .start();
    api = new ServerApiClient(server.httpApiUri().orElseThrow(), "app", "app-secret-123");
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  private ImEngine engine() {
    return ImEngine.builder("app").server(server.listenUris().get(0)).dataDirectory(tmp.resolve("client")).build();
  }

  @Test
  void theSqliteBackendIsPickedAndOpensBeforeTheNetworkResult() throws Exception {
    Path file = tmp.resolve("client").resolve("app").resolve("alice").resolve("imlink.db");
    try (ImEngine engine = engine()) {
      assertThat(((DefaultImEngine) engine).storageName()).isEqualTo("sqlite");
      EngineProbe probe = EngineProbe.attach(engine);
      engine.connect(api.getToken("alice"), 10);
      probe.awaitStatus(ConnectionStatus.CONNECTED);
      assertThat(probe.trace()).startsWith("onDatabaseOpened(0)", "CONNECTING(0)", "onConnected(0, \"alice\")");
      assertThat(file).exists();
      // The store writes on the engine's loop (StorageProvider.open(location, writeExecutor)): no thread of its own.
      assertThat(engine.sendMessage("bob", "RC:TxtMsg", "{\"content\":\"hi\"}").get(10, java.util.concurrent.TimeUnit.SECONDS)
          .status()).isEqualTo(io.imlink.api.MessageStatus.SENT);
      assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("imlink-sqlite-writer-alice"));
    }
    // Closing the engine closed the database: the WAL is checkpointed away.
    assertThat(file.resolveSibling("imlink.db-wal")).doesNotExist();
  }

  @Test
  void afterDisconnectReturnsReadsThrowTheSameNoStoreErrorWhateverTheLoopIsDoing() throws Exception {
    String noStore = "no user's store is open: disconnect() closed it; connect(token, timeout) opens it again";
    CountDownLatch opened = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch signOut = new CountDownLatch(1);
    // Callbacks inline on the engine's loop: onDatabaseOpened holds the loop, with the store open on its side.
    try (ImEngine engine = ImEngine.builder("app").server(server.listenUris().get(0))
        .dataDirectory(tmp.resolve("client")).callbackExecutor(Runnable::run).build()) {
      try {
        engine.setOnDatabaseOpened(code -> {
          opened.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        engine.addConnectionStatusListener((status, reason) -> {
          if (status == ConnectionStatus.SIGN_OUT) {
            signOut.countDown();
          }
        });
        assertThat(engine.connect(api.getToken("alice"), 10)).isZero();
        assertThat(opened.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(engine.getHistory(ConversationType.PRIVATE, "bob", null, 10)).isEmpty();
        // A null argument is named, not a NullPointerException from inside the SQLite store.
        assertThatThrownBy(() -> engine.getHistory(null, "bob", null, 10))
            .isInstanceOf(NullPointerException.class).hasMessage("type");
        assertThatThrownBy(() -> engine.getHistory(ConversationType.PRIVATE, null, null, 10))
            .isInstanceOf(NullPointerException.class).hasMessage("targetId");

        assertThat(engine.disconnect()).isZero();
        assertThat(signOut.getCount()).as("the loop has not signed out yet").isOne();
        assertNoStore(engine, noStore);
        release.countDown();
        assertThat(signOut.await(10, TimeUnit.SECONDS)).isTrue();
        assertNoStore(engine, noStore); // and once the loop closed the database
      } finally {
        release.countDown();
      }
    }
  }

  private void assertNoStore(ImEngine engine, String message) {
    assertThatThrownBy(() -> engine.getHistory(ConversationType.PRIVATE, "bob", null, 10))
        .isInstanceOf(IllegalStateException.class).hasMessage(message);
    assertThatThrownBy(() -> engine.getConversations(10)).isInstanceOf(IllegalStateException.class).hasMessage(message);
    assertThatThrownBy(engine::getTotalUnreadCount).isInstanceOf(IllegalStateException.class).hasMessage(message);
    assertThatThrownBy(() -> engine.markRead(ConversationType.PRIVATE, "bob"))
        .isInstanceOf(IllegalStateException.class).hasMessage(message);
    assertThat(message).doesNotContain(tmp.toString());
    assertThat(engine.sendMessage("bob", "RC:TxtMsg", "{}", null)).isEqualTo(33001);
  }

  @Test
  void anUnknownStorageNameListsSqliteAndSuggestsNoArtifact() {
    assertThatThrownBy(() -> ImEngine.builder("app").server(server.listenUris().get(0))
            .dataDirectory(tmp.resolve("client")).storage("no-such-store").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("unknown storage 'no-such-store'; storage providers found: memory, sqlite");
  }

  @Test
  void aCorruptDatabaseIs33002AndConnectingGoesOnWithTheFileKeptAside() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("client").resolve("app").resolve("bob"));
    Files.writeString(dir.resolve("imlink.db"), "garbage ".repeat(1000), StandardCharsets.UTF_8);
    try (ImEngine engine = engine()) {
      EngineProbe probe = EngineProbe.attach(engine);
      engine.connect(api.getToken("bob"), 10);
      probe.awaitStatus(ConnectionStatus.CONNECTED);
      assertThat(probe.trace()).startsWith("onDatabaseOpened(33002)", "CONNECTING(0)", "onConnected(0, \"bob\")");
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("imlink.db.corrupt-"));
    }
  }
}
