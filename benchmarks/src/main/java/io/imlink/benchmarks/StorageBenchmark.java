package io.imlink.benchmarks;

import io.imlink.api.ConversationType;
import io.imlink.api.Message;
import io.imlink.api.MessageDirection;
import io.imlink.api.MessageStatus;
import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.StoreLocation;
import io.imlink.storage.sqlite.SqliteStorageProvider;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The SQLite store: batched inserts (rows/s), opening a database that holds 100k messages, and
 * reading the newest 50 messages of a conversation. Targets: ≥ 100k rows/s, < 50 ms, < 1 ms.
 */
public final class StorageBenchmark {
  private StorageBenchmark() {}

  /** The figures. */
  public record Result(double insertRowsPerSecond, double openP50Ms, double openMaxMs, double newest50P50Us,
      double newest50P99Us) {}

  private static final int ROWS = 100_000;
  private static final int BATCH = 500;

  public static Result run(Harness.Settings settings, PrintStream out) throws Exception {
    return run(settings, out, ROWS);
  }

  static Result run(Harness.Settings settings, PrintStream out, int rows) throws Exception {
    Path data = Files.createTempDirectory("imlink-bench-storage");
    StorageProvider provider = new SqliteStorageProvider();
    try {
      // Warm-up: the JIT and SQLite's caches, on another user's database.
      try (MessageStore warm = provider.open(new StoreLocation("bench", "warmup", data))) {
        insert(warm, Math.min(rows, 50_000), "w");
      }
      double rowsPerSecond;
      StoreLocation location = new StoreLocation("bench", "user", data);
      try (MessageStore store = provider.open(location)) {
        long start = System.nanoTime();
        insert(store, rows, "m");
        rowsPerSecond = rows / ((System.nanoTime() - start) / 1e9);
      }

      Histogram open = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
      for (int i = 0; i < 50; i++) {
        long start = System.nanoTime();
        MessageStore s = provider.open(location);
        long took = System.nanoTime() - start;
        s.close();
        if (i >= 5) {
          open.recordValue(took);
        }
      }

      Histogram read = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
      try (MessageStore store = provider.open(location)) {
        for (int i = 0; i < settings.warmup() + settings.iterations(); i++) {
          long start = System.nanoTime();
          List<Message> page = store.history(ConversationType.PRIVATE, "peer-" + (i % 10), null, 50);
          long took = System.nanoTime() - start;
          if (page.size() != 50) {
            throw new IllegalStateException("expected 50 messages, got " + page.size());
          }
          if (i >= settings.warmup()) {
            read.recordValue(took);
          }
        }
      }
      Result r = new Result(rowsPerSecond, open.getValueAtPercentile(50) / 1e6, open.getMaxValue() / 1e6,
          read.getValueAtPercentile(50) / 1e3, read.getValueAtPercentile(99) / 1e3);
      out.printf(Locale.ROOT, "SQLite store (%,d messages in 10 conversations, batches of %d)%n", rows, BATCH);
      out.printf(Locale.ROOT, "  batched insert          %,12.0f rows/s          target >= 100,000 rows/s%n", r.insertRowsPerSecond());
      out.printf(Locale.ROOT, "  open the database       p50 %8.2f ms  max %8.2f ms   target < 50 ms%n", r.openP50Ms(), r.openMaxMs());
      out.printf(Locale.ROOT, "  newest 50 messages      p50 %8.1f us  p99 %8.1f us   target < 1 ms%n", r.newest50P50Us(), r.newest50P99Us());
      return r;
    } finally {
      try (var walk = Files.walk(data)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** Inserts {@code rows} received messages in batches, as a sync delivers them, waiting for all at the end. */
  private static void insert(MessageStore store, int rows, String prefix) throws Exception {
    List<CompletableFuture<List<Message>>> pending = new ArrayList<>();
    for (int i = 0; i < rows; i += BATCH) {
      List<Message> batch = new ArrayList<>(BATCH);
      for (int j = i; j < Math.min(rows, i + BATCH); j++) {
        String peer = "peer-" + (j % 10);
        batch.add(Message.builder().conversationType(ConversationType.PRIVATE).targetId(peer)
            .direction(MessageDirection.RECEIVE).senderUserId(peer).objectName("RC:TxtMsg")
            .content("{\"content\":\"message number " + j + " with a typical short text body\"}")
            .clientMessageId(prefix + "-c-" + j).serverMessageId(prefix + "-s-" + j)
            .sentTime(1_700_000_000_000L + j).orderKey(j).status(MessageStatus.RECEIVED)
            .localTime(1_700_000_000_000L + j).build());
      }
      pending.add(store.insertMessages(batch));
    }
    for (CompletableFuture<List<Message>> f : pending) {
      f.get(60, TimeUnit.SECONDS);
    }
  }
}
