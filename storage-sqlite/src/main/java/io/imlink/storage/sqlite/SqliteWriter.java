package io.imlink.storage.sqlite;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one writer of a SQLite database: writes are queued from any thread and applied in call order
 * by one thread, which takes everything queued (up to a batch limit) into one transaction; a failing
 * write does not undo the others (see {@link #write}). A write's future completes after the commit,
 * on the writer thread, so dependent actions must not block.
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
  private final Body<Void> beforeCommit;
  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  private final Object submitLock = new Object();
  private final Thread thread;
  private final AtomicLong transactions = new AtomicLong();
  private final java.util.Map<String, PreparedStatement> statements = new java.util.HashMap<>(); // writer thread only
  private volatile boolean closed;

  /**
   * @param connection the writing connection, owned by the caller (not closed here)
   * @param description names the database in errors and the thread
   * @param maxBatch the most writes in one transaction
   * @param afterFailure run on the writer thread after a write or a batch was rolled back, so that
   *     state cached by the writes (next ids…) can be re-read
   */
  public SqliteWriter(Connection connection, String description, int maxBatch, Runnable afterFailure) {
    this(connection, description, maxBatch, afterFailure, c -> null);
  }

  /**
   * @param beforeCommit runs on the writer thread in every transaction just before it commits, for
   *     state the writes of a batch accumulate (written once per batch instead of once per write)
   */
  public SqliteWriter(Connection connection, String description, int maxBatch, Runnable afterFailure,
      Body<Void> beforeCommit) {
    this.beforeCommit = beforeCommit;
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

  /**
   * Writes a batch in one transaction. Optimistic: the writes run back to back; only if one fails
   * is the transaction rolled back and every write of the batch run again in a transaction of its
   * own, so that one failing write never undoes the others (their effects were rolled back, so
   * running them again is safe; {@code afterFailure} re-reads any state they cached).
   */
  private void write(List<Op<?>> batch) {
    Object[] results = new Object[batch.size()];
    try {
      control("BEGIN IMMEDIATE");
      for (int i = 0; i < batch.size(); i++) {
        results[i] = batch.get(i).body().apply(connection);
      }
      beforeCommit.apply(connection);
      control("COMMIT");
      transactions.incrementAndGet();
    } catch (SQLException | RuntimeException e) {
      rollback();
      if (batch.size() == 1) {
        complete(batch.get(0), null, e);
      } else {
        for (Op<?> op : batch) {
          writeAlone(op);
        }
      }
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      complete(batch.get(i), results[i], null);
    }
  }

  private void writeAlone(Op<?> op) {
    Object result;
    try {
      control("BEGIN IMMEDIATE");
      result = op.body().apply(connection);
      beforeCommit.apply(connection);
      control("COMMIT");
      transactions.incrementAndGet();
    } catch (SQLException | RuntimeException e) {
      rollback();
      complete(op, null, e);
      return;
    }
    complete(op, result, null);
  }

  private void rollback() {
    try {
      control("ROLLBACK");
    } catch (SQLException ignored) {
      // the transaction never began, or is already gone
    }
    afterFailure.run();
  }

  /** Runs a transaction-control statement, prepared once. */
  private void control(String sql) throws SQLException {
    prepared(sql).execute();
  }

  /**
   * A statement of the writing connection, prepared on first use and closed by {@link #close()}.
   * Only for write bodies (and {@code beforeCommit}): it must be used on the writer thread.
   */
  public PreparedStatement prepared(String sql) throws SQLException {
    PreparedStatement p = statements.get(sql);
    if (p == null) {
      p = connection.prepareStatement(sql);
      statements.put(sql, p);
    }
    return p;
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
      return;
    }
    for (PreparedStatement p : statements.values()) {
      try {
        p.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
  }
}
