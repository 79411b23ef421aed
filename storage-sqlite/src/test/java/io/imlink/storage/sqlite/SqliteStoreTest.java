package io.imlink.storage.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.ConversationType;
import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StoreLocation;
import io.imlink.storage.sqlite.internal.SqliteMessageStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the SQLite backend promises beyond the storage contract. */
class SqliteStoreTest {
  @TempDir Path data;
  private final SqliteStorageProvider provider = new SqliteStorageProvider();

  private MessageStore open(String user) throws IOException {
    return provider.open(new StoreLocation("app", user, data));
  }

  private static String pragma(Path file, String name) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void oneWalFilePerUserUnderAppAndUser() throws Exception {
    try (MessageStore store = open("alice")) {
      store.putSetting("k", "v").get();
    }
    Path file = data.resolve("app").resolve("alice").resolve("imlink.db");
    assertThat(file).exists();
    assertThat(pragma(file, "journal_mode")).isEqualTo("wal");
    assertThat(pragma(file, "user_version")).isEqualTo("1");
    assertThat(pragma(file, "integrity_check")).isEqualTo("ok");
  }

  @Test
  void writesAreBatchedIntoFewTransactions() throws Exception {
    try (MessageStore store = open("alice")) {
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        writes.add(store.putSetting("k" + i, "v"));
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      long transactions = ((SqliteMessageStore) store).transactionCount();
      assertThat(transactions).as("2,000 writes in %d transactions", transactions).isLessThan(200);
      assertThat(store.getSetting("k1999")).contains("v");
    }
  }

  @Test
  void aClosedStoreSaysSoWithoutNamingItsFile() throws Exception {
    MessageStore store = open("alice");
    store.close();
    // The message reaches apps (an engine's reads racing its disconnect): no path, no user directory.
    assertThatThrownBy(() -> store.history(ConversationType.PRIVATE, "bob", null, 10))
        .isInstanceOf(IllegalStateException.class).hasMessage("store is closed");
    assertThatThrownBy(() -> store.putSetting("k", "v"))
        .isInstanceOf(IllegalStateException.class).hasMessage("store is closed");
  }

  @Test
  void aFailedWriteDoesNotUndoTheOthersOfItsBatch() throws Exception {
    try (MessageStore store = open("alice")) {
      CompletableFuture<Void> before = store.putSetting("a", "1");
      CompletableFuture<Void> bad = store.putSetting(null, "boom"); // NOT NULL key: fails inside the batch
      CompletableFuture<Void> after = store.putSetting("b", "2");
      after.get(10, TimeUnit.SECONDS);
      before.get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> bad.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
      assertThat(store.getSetting("a")).contains("1");
      assertThat(store.getSetting("b")).contains("2");
    }
  }

  @Test
  void aCorruptFileIsMovedAsideNeverDeletedAndTheNextOpenStartsFresh() throws Exception {
    Path dir = Files.createDirectories(data.resolve("app").resolve("bob"));
    Path file = dir.resolve("imlink.db");
    byte[] garbage = "this is not a SQLite database, it is garbage ".repeat(200).getBytes(StandardCharsets.UTF_8);
    Files.write(file, garbage);

    assertThatThrownBy(() -> open("bob"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is corrupt")
        .hasMessageContaining("kept as");
    List<Path> aside;
    try (Stream<Path> s = Files.list(dir)) {
      aside = s.filter(p -> p.getFileName().toString().startsWith("imlink.db.corrupt-")).toList();
    }
    assertThat(aside).hasSize(1);
    assertThat(Files.readAllBytes(aside.get(0))).isEqualTo(garbage);

    try (MessageStore fresh = open("bob")) {
      assertThat(fresh.conversations(10)).isEmpty();
    }
  }

  @Test
  void aDatabaseOfANewerSchemaIsRefusedAndLeftAlone() throws Exception {
    try (MessageStore store = open("carol")) {
      store.putSetting("k", "v").get();
    }
    Path file = data.resolve("app").resolve("carol").resolve("imlink.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("PRAGMA user_version = 42");
    }
    assertThatThrownBy(() -> open("carol")).isInstanceOf(IOException.class).hasMessageContaining("schema version 42");
    assertThat(file).exists();
  }

  @Test
  void aProcessKilledMidWriteReopensWithEveryCommittedRow() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), KillableWriter.class.getName(),
        data.toString()).redirectErrorStream(true).start();
    long committed = -1;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("committed ")) {
          committed = Long.parseLong(line.substring("committed ".length()));
          if (committed >= 20_000) {
            p.destroyForcibly(); // SIGKILL, mid-write: the writer never stops between batches
            break;
          }
        }
      }
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(committed).as("the writer reported progress").isGreaterThanOrEqualTo(20_000);

    Path file = data.resolve("app").resolve("victim").resolve("imlink.db");
    try (MessageStore store = open("victim")) {
      int rows = store.history(ConversationType.PRIVATE, "peer", null, 1_000_000).size();
      // "committed n" means messages s-0 ... s-(n-1) were durable.
      assertThat((long) rows).as("every reported row survived").isGreaterThanOrEqualTo(committed);
      assertThat(store.findByServerMessageId("s-" + (committed - 1))).isPresent();
      assertThat(store.totalUnreadCount()).isEqualTo(rows);
    }
    assertThat(pragma(file, "integrity_check")).isEqualTo("ok");
  }
}
