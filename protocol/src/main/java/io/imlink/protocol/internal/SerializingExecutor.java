package io.imlink.protocol.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a delegate executor that may itself be
 * multi-threaded. A task that throws is logged and contained; the next one still runs.
 *
 * <p>Thread safety: {@link #execute} may be called from any thread.
 */
public final class SerializingExecutor implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SerializingExecutor.class);

  private final Executor delegate;
  private final String name;
  private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final ThreadLocal<Boolean> running = new ThreadLocal<>();

  /**
   * @param delegate where the tasks run
   * @param name names this executor in logs
   */
  public SerializingExecutor(Executor delegate, String name) {
    this.delegate = delegate;
    this.name = name;
  }

  @Override
  public void execute(Runnable task) {
    queue.add(task);
    schedule();
  }

  /** Whether the calling thread is running one of this executor's tasks right now. */
  public boolean isCurrentThreadRunning() {
    return running.get() != null;
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        delegate.execute(this::drain);
      } catch (RejectedExecutionException e) {
        scheduled.set(false);
        log.debug("{}: executor shut down; {} task(s) dropped", name, queue.size());
        queue.clear();
      }
    }
  }

  private void drain() {
    running.set(Boolean.TRUE);
    try {
      Runnable task;
      while ((task = queue.poll()) != null) {
        try {
          task.run();
        } catch (RuntimeException | Error e) {
          log.error("{}: a task threw; continuing with the next one", name, e);
        }
      }
    } finally {
      running.remove();
      scheduled.set(false);
    }
    // A task may have been queued between the last poll and clearing the flag.
    if (!queue.isEmpty()) {
      schedule();
    }
  }
}
