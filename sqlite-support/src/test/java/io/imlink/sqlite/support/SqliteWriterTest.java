package io.imlink.sqlite.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SqliteWriterTest {
  @TempDir Path dir;
  private Connection connection;

  @BeforeEach
  void open() throws Exception {
    connection = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("w.db"));
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)");
    }
  }

  @AfterEach
  void close() throws Exception {
    connection.close();
  }

  private static SqliteWriter.Body<Integer> insert(int n) {
    return c -> {
      try (PreparedStatement p = c.prepareStatement("INSERT INTO t(n) VALUES (?)")) {
        p.setInt(1, n);
        return p.executeUpdate();
      }
    };
  }

  private List<Integer> rows() throws Exception {
    List<Integer> out = new ArrayList<>();
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT n FROM t ORDER BY rowid")) {
      while (rs.next()) {
        out.add(rs.getInt(1));
      }
    }
    return out;
  }

  @Test
  void onASuppliedExecutorBatchesRunThereInCallOrderAndFuturesCompleteThere() throws Exception {
    ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-loop"));
    try {
      SqliteWriter w = SqliteWriter.builder(connection, "on-loop").maxBatch(64).executor(loop).build();
      List<CompletableFuture<Void>> fs = new ArrayList<>();
      List<String> completedOn = new java.util.concurrent.CopyOnWriteArrayList<>();
      // Submitted from the loop itself, as the engine does: everything queued meanwhile is one batch.
      loop.submit(() -> {
        for (int i = 0; i < 500; i++) {
          // Waiting for the dependent stages, not the writes: allOf over the writes may complete
          // before the last write's own dependents have run.
          fs.add(w.submit(insert(i)).thenRun(() -> completedOn.add(Thread.currentThread().getName())));
        }
      }).get();
      CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      assertThat(rows()).hasSize(500).isSorted();
      assertThat(w.transactionCount()).as("batches of up to 64").isBetween(8L, 20L);
      assertThat(completedOn).hasSize(500).containsOnly("test-loop");
      w.close();
      assertThatThrownBy(() -> w.submit(insert(1))).isInstanceOf(IllegalStateException.class);
    } finally {
      loop.shutdownNow();
    }
  }

  @Test
  void closeAppliesWritesTheExecutorNeverRan() throws Exception {
    List<Runnable> neverRun = new ArrayList<>();
    SqliteWriter w = SqliteWriter.builder(connection, "stopped").executor(neverRun::add).build();
    CompletableFuture<Integer> a = w.submit(insert(1));
    CompletableFuture<Integer> b = w.submit(insert(2));
    assertThat(a).isNotDone();
    w.close();
    assertThat(a.get()).isEqualTo(1);
    assertThat(b.get()).isEqualTo(1);
    assertThat(rows()).containsExactly(1, 2);
    neverRun.forEach(Runnable::run); // a stale task after close does nothing
    assertThat(rows()).containsExactly(1, 2);
  }

  @Test
  void aWriteCompletionMayCloseTheWriterOnItsOwnThreadWithoutWaitingForItself() throws Exception {
    SqliteWriter w = SqliteWriter.builder(connection, "self-closing").build();
    CompletableFuture<Long> closedAfter = new CompletableFuture<>();
    w.submit(insert(7)).thenRun(() -> {
      long start = System.nanoTime();
      w.close();
      closedAfter.complete(System.nanoTime() - start);
    });
    assertThat(closedAfter.get(20, TimeUnit.SECONDS)).isLessThan(TimeUnit.SECONDS.toNanos(10));
    assertThat(rows()).containsExactly(7);
  }
}
