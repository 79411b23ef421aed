package io.imlink.sqlite.support;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one writer of a SQLite database: writes are queued from any thread and applied in call order,
 * one batch at a time: everything queued (up to a batch limit) goes into one transaction; a failing
 * write does not undo the others (see {@link #write}). Batches run on a thread of the writer's own,
 * or on an executor the owner supplies (such as the engine loop that submits most writes: its
 * results then need no thread switch). A write's future completes after the commit, on that
 * thread, so dependent actions must not block.
 *
 * <p>Used by the client store and by the reference server's inbox; internal to imlink (no API promise).
 *
 * <p>Thread safety: {@link #submit} and {@link #close} may be called from any thread.
 */
public final class SqliteWriter implements AutoCloseable {
  private static final System.Logger log = System.getLogger(SqliteWriter.class.getName());

  /** One write: runs inside its batch's transaction, on the writing thread. */
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
  private final Executor executor;
  private final ExecutorService ownThread; // or null when the executor is supplied
  private final Queue<Op<?>> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final ReentrantLock writing = new ReentrantLock(); // held while a batch is written
  private final Object submitLock = new Object();
  private final AtomicLong transactions = new AtomicLong();
  private final SqliteStatements statements; // guarded by writing
  private volatile boolean closed;
  private volatile Thread writerThread; // the own thread, once started

  /** Settings of a writer; {@link #build()} starts it. */
  public static final class Builder {
    private final Connection connection;
    private final String description;
    private int maxBatch = 1024;
    private Runnable afterFailure = () -> {};
    private Body<Void> beforeCommit = c -> null;
    private Executor executor;

    private Builder(Connection connection, String description) {
      this.connection = Objects.requireNonNull(connection, "connection");
      this.description = Objects.requireNonNull(description, "description");
    }

    /** The most writes in one transaction (default 1024). */
    public Builder maxBatch(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxBatch must be at least 1, not " + n);
      }
      maxBatch = n;
      return this;
    }

    /**
     * Runs on the writing thread after a write or a batch was rolled back, so that state cached by
     * the writes (next ids…) can be re-read.
     */
    public Builder afterFailure(Runnable r) {
      afterFailure = Objects.requireNonNull(r, "afterFailure");
      return this;
    }

    /**
     * Runs in every transaction just before it commits, for state the writes of a batch accumulate
     * (written once per batch instead of once per write).
     */
    public Builder beforeCommit(Body<Void> b) {
      beforeCommit = Objects.requireNonNull(b, "beforeCommit");
      return this;
    }

    /**
     * Batches run on {@code executor}, one task per batch, instead of on a thread of the writer's
     * own. It must run one task at a time, in order (a serial executor). If it refuses a task (shut
     * down), the writes wait for {@link SqliteWriter#close()}, which applies them.
     */
    public Builder executor(Executor e) {
      executor = Objects.requireNonNull(e, "executor");
      return this;
    }

    public SqliteWriter build() {
      return new SqliteWriter(this);
    }
  }

  /**
   * A writer of a database.
   *
   * @param connection the writing connection, owned by the caller (not closed here)
   * @param description names the database in errors and the writer's thread
   */
  public static Builder builder(Connection connection, String description) {
    return new Builder(connection, description);
  }

  private SqliteWriter(Builder b) {
    this.connection = b.connection;
    this.statements = new SqliteStatements(b.connection);
    this.description = b.description;
    this.maxBatch = b.maxBatch;
    this.afterFailure = b.afterFailure;
    this.beforeCommit = b.beforeCommit;
    if (b.executor == null) {
      ownThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "imlink-sqlite-writer-" + description);
        t.setDaemon(true);
        writerThread = t;
        return t;
      });
      this.executor = ownThread;
    } else {
      ownThread = null;
      this.executor = b.executor;
    }
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
    schedule();
    return f;
  }

  /** How many transactions have committed (writes are batched: usually far fewer than writes). */
  public long transactionCount() {
    return transactions.get();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        executor.execute(this::batchTask);
      } catch (RejectedExecutionException e) {
        scheduled.set(false); // the executor is shutting down: close() writes what is queued
      }
    }
  }

  /** One batch; another task follows, behind the executor's other tasks, while writes are left. */
  private void batchTask() {
    writeNextBatch();
    scheduled.set(false);
    if (!queue.isEmpty()) {
      schedule();
    }
  }

  /**
   * Writes what is queued, up to the batch limit, in one transaction; completes the futures after
   * the lock is released, so that what they trigger (even {@link #close()}) never nests in a batch.
   */
  private void writeNextBatch() {
    List<Op<?>> batch = new ArrayList<>(Math.min(maxBatch, 64));
    Object[] results;
    Throwable[] failures;
    writing.lock();
    try {
      Op<?> op;
      while (batch.size() < maxBatch && (op = queue.poll()) != null) {
        batch.add(op);
      }
      if (batch.isEmpty()) {
        return;
      }
      results = new Object[batch.size()];
      failures = new Throwable[batch.size()];
      write(batch, results, failures);
    } finally {
      writing.unlock();
    }
    for (int i = 0; i < batch.size(); i++) {
      complete(batch.get(i), results[i], failures[i]);
    }
  }

  /**
   * Writes a batch in one transaction. Optimistic: the writes run back to back; only if one fails
   * is the transaction rolled back and every write of the batch run again in a transaction of its
   * own, so that one failing write never undoes the others (their effects were rolled back, so
   * running them again is safe; {@code afterFailure} re-reads any state they cached).
   */
  private void write(List<Op<?>> batch, Object[] results, Throwable[] failures) {
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
        failures[0] = e;
      } else {
        for (int i = 0; i < batch.size(); i++) {
          writeAlone(batch.get(i), i, results, failures);
        }
      }
    }
  }

  private void writeAlone(Op<?> op, int i, Object[] results, Throwable[] failures) {
    try {
      control("BEGIN IMMEDIATE");
      results[i] = op.body().apply(connection);
      beforeCommit.apply(connection);
      control("COMMIT");
      transactions.incrementAndGet();
    } catch (SQLException | RuntimeException e) {
      rollback();
      results[i] = null;
      failures[i] = e;
    }
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
   * Only for write bodies (and {@code beforeCommit}), which run one batch at a time.
   */
  public PreparedStatement prepared(String sql) throws SQLException {
    return statements.get(sql);
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

  /**
   * Applies every write already queued, on the calling thread (after a batch being written
   * elsewhere), then stops the writer's own thread if it has one. Idempotent.
   */
  @Override
  public void close() {
    synchronized (submitLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    while (!queue.isEmpty()) {
      writeNextBatch();
    }
    writing.lock();
    try {
      statements.close();
    } finally {
      writing.unlock();
    }
    if (ownThread != null) {
      ownThread.shutdown();
      if (Thread.currentThread() == writerThread) {
        return; // closed by what a write's completion triggered: the thread ends after this task
      }
      try {
        if (!ownThread.awaitTermination(30, TimeUnit.SECONDS)) {
          log.log(Level.WARNING, "SQLite writer of {0} still busy 30 s after close", description);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
