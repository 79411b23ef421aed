package io.imlink.storage.sqlite;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one writer of a SQLite database: writes are queued from any thread and applied in call order
 * by one thread, which takes everything queued (up to a batch limit) into one transaction — each
 * write in a savepoint, so that a failing write does not undo the others. A write's future
 * completes after the commit, on the writer thread, so dependent actions must not block.
 *
 * <p>Used by the client store and by the reference server's inbox.
 *
 * <p>Thread safety: {@link #submit} and {@link #close} may be called from any thread.
 */
public final class SqliteWriter implements AutoCloseable {
  private static final System.Logger log = System.getLogger(SqliteWriter.class.getName());

  /** One write: runs on the writer thread inside the batch's transaction. */
  @FunctionalInterface
  public interface Body<T> {
    T apply(Connection c) throws SQLException;
  }

  private record Op<T>(Body<T> body, CompletableFuture<T> future) {}

  private final Connection connection;
  private final String description;
  private final int maxBatch;
  private final Runnable afterFailure;
  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  private final Object submitLock = new Object();
  private final Thread thread;
  private final AtomicLong transactions = new AtomicLong();
  private volatile boolean closed;

  /**
   * @param connection the writing connection, owned by the caller (not closed here)
   * @param description names the database in errors and the thread
   * @param maxBatch the most writes in one transaction
   * @param afterFailure run on the writer thread after a write or a batch was rolled back, so that
   *     state cached by the writes (next ids…) can be re-read
   */
  public SqliteWriter(Connection connection, String description, int maxBatch, Runnable afterFailure) {
    this.connection = connection;
    this.description = description;
    this.maxBatch = maxBatch;
    this.afterFailure = afterFailure;
    this.thread = new Thread(this::loop, "imlink-sqlite-writer-" + description);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Queues a write.
   *
   * @return its result once committed; an {@link IOException} if it or its commit failed
   * @throws IllegalStateException if the writer is closed
   */
  public <T> CompletableFuture<T> submit(Body<T> body) {
    CompletableFuture<T> f = new CompletableFuture<>();
    synchronized (submitLock) {
      if (closed) {
        throw new IllegalStateException("store is closed: " + description);
      }
      queue.add(new Op<>(body, f));
    }
    return f;
  }

  /** How many transactions have committed (writes are batched: usually far fewer than writes). */
  public long transactionCount() {
    return transactions.get();
  }

  private void loop() {
    List<Op<?>> batch = new ArrayList<>(maxBatch);
    while (true) {
      try {
        batch.add(queue.take());
        queue.drainTo(batch, maxBatch - 1);
        boolean stop = false;
        if (batch.get(batch.size() - 1).body() == null) {
          batch.remove(batch.size() - 1); // the close marker: everything before it is written
          stop = true;
        }
        if (!batch.isEmpty()) {
          write(batch);
        }
        batch.clear();
        if (stop) {
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void write(List<Op<?>> batch) {
    Object[] results = new Object[batch.size()];
    Throwable[] failures = new Throwable[batch.size()];
    try (Statement s = connection.createStatement()) {
      s.execute("BEGIN IMMEDIATE");
      for (int i = 0; i < batch.size(); i++) {
        s.execute("SAVEPOINT op");
        try {
          results[i] = batch.get(i).body().apply(connection);
          s.execute("RELEASE op");
        } catch (SQLException | RuntimeException e) {
          s.execute("ROLLBACK TO op");
          s.execute("RELEASE op");
          afterFailure.run();
          failures[i] = e;
        }
      }
      s.execute("COMMIT");
      transactions.incrementAndGet();
    } catch (SQLException e) {
      try (Statement s = connection.createStatement()) {
        s.execute("ROLLBACK");
      } catch (SQLException ignored) {
        // the transaction never began, or is already gone
      }
      afterFailure.run();
      IOException failure = new IOException("write to " + description + " failed: " + e.getMessage(), e);
      for (Op<?> op : batch) {
        op.future().completeExceptionally(failure);
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      complete(batch.get(i), results[i], failures[i]);
    }
  }

  @SuppressWarnings("unchecked")
  private <T> void complete(Op<T> op, Object result, Throwable failure) {
    if (failure == null) {
      op.future().complete((T) result);
    } else {
      op.future().completeExceptionally(failure instanceof SQLException
          ? new IOException("write to " + description + " failed: " + failure.getMessage(), failure)
          : failure);
    }
  }

  /** Finishes every write already queued, then stops the writer thread (waits up to 30 s). Idempotent. */
  @Override
  public void close() {
    synchronized (submitLock) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(new Op<>(null, new CompletableFuture<>()));
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      log.log(Level.WARNING, "SQLite writer of {0} still busy 30 s after close", description);
    }
  }
}
