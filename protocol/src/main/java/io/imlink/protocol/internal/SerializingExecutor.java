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

  /**
   * Runs {@code task} after the tasks queued before it, on the calling thread if this executor is
   * idle (as grpc-java's {@code SynchronizationContext} drains on the caller): no thread switch. At
   * most {@code maxInline} tasks run on the caller; what is left, and everything while another thread
   * drains, goes to the delegate. The caller must be a thread that may run any of this executor's
   * tasks — they must never block.
   */
  public void executeInline(Runnable task, int maxInline) {
    queue.add(task);
    if (scheduled.compareAndSet(false, true)) {
      drain(maxInline);
    }
  }

  /** Whether the calling thread is running one of this executor's tasks right now. */
  public boolean isCurrentThreadRunning() {
    return running.get() != null;
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        delegate.execute(() -> drain(Integer.MAX_VALUE));
      } catch (RejectedExecutionException e) {
        scheduled.set(false);
        log.debug("{}: executor shut down; {} task(s) dropped", name, queue.size());
        queue.clear();
      }
    }
  }

  private void drain(int max) {
    running.set(Boolean.TRUE);
    try {
      Runnable task;
      for (int n = 0; n < max && (task = queue.poll()) != null; n++) {
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
