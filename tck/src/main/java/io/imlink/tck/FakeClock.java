package io.imlink.tck;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Manual time for tests: a {@link Clock} and a {@link ScheduledExecutorService} that only move
 * when the test calls {@link #forward}. Scheduled tasks run on the thread calling {@code forward},
 * in time order, each when the fake time reaches its deadline — so a test drives timeouts,
 * reconnect delays and heartbeats without sleeping.
 *
 * <p>Thread safety: every method may be called from any thread; tasks run outside the lock.
 */
public final class FakeClock {
  private final Object lock = new Object();
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
  private long nowNanos;
  private long sequence;
  private final Instant epoch;
  private final Scheduler scheduler = new Scheduler();
  private final Clock clock = new FakeJavaClock(ZoneOffset.UTC);

  /** Starts at {@code start}. */
  public FakeClock(Instant start) {
    this.epoch = start;
  }

  /** Starts at 2026-01-01T00:00:00Z. */
  public FakeClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** A clock that reads the fake time. */
  public Clock clock() {
    return clock;
  }

  /** A scheduler whose tasks run when fake time reaches them. */
  public ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** The fake time. */
  public Instant now() {
    synchronized (lock) {
      return epoch.plusNanos(nowNanos);
    }
  }

  /** Tasks waiting to run (cancelled ones excluded). */
  public int pendingTasks() {
    synchronized (lock) {
      return (int) queue.stream().filter(t -> !t.isCancelled()).count();
    }
  }

  /** The delays until every pending task, soonest first. */
  public List<Duration> pendingDelays() {
    synchronized (lock) {
      return queue.stream().filter(t -> !t.isCancelled()).sorted()
          .map(t -> Duration.ofNanos(Math.max(0, t.deadline - nowNanos))).toList();
    }
  }

  /** The delay until the next pending task, or null if none. */
  public Duration nextTaskDelay() {
    synchronized (lock) {
      return queue.stream().filter(t -> !t.isCancelled()).findFirst()
          .map(t -> Duration.ofNanos(Math.max(0, t.deadline - nowNanos))).orElse(null);
    }
  }

  /** Runs the tasks already due, without moving time. Returns how many ran. */
  public int runDue() {
    return forward(Duration.ZERO);
  }

  /**
   * Moves time forward by {@code amount}, running every task whose deadline is reached, in
   * deadline order (time stands at each task's deadline while it runs). Returns how many ran.
   */
  public int forward(Duration amount) {
    if (amount.isNegative()) {
      throw new IllegalArgumentException("time only moves forward");
    }
    long target;
    synchronized (lock) {
      target = nowNanos + amount.toNanos();
    }
    int ran = 0;
    while (true) {
      Task<?> next;
      synchronized (lock) {
        next = queue.peek();
        if (next == null || next.deadline > target) {
          nowNanos = target;
          return ran;
        }
        queue.poll();
        nowNanos = Math.max(nowNanos, next.deadline);
      }
      if (!next.isCancelled()) {
        next.run();
        ran++;
      }
    }
  }

  private <V> Task<V> add(Callable<V> body, long delayNanos, long periodNanos) {
    synchronized (lock) {
      Task<V> t = new Task<>(body, nowNanos + Math.max(0, delayNanos), periodNanos, sequence++);
      queue.add(t);
      return t;
    }
  }

  private final class FakeJavaClock extends Clock {
    private final ZoneId zone;

    FakeJavaClock(ZoneId zone) {
      this.zone = zone;
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
      return new FakeJavaClock(z);
    }

    @Override
    public Instant instant() {
      return now();
    }
  }

  private final class Task<V> implements ScheduledFuture<V>, Runnable {
    private final Callable<V> body;
    private long deadline;
    private final long period; // > 0 fixed rate, < 0 fixed delay, 0 once
    private final long seq;
    private volatile boolean cancelled;
    private volatile boolean done;
    private V result;
    private Throwable failure;

    Task(Callable<V> body, long deadline, long period, long seq) {
      this.body = body;
      this.deadline = deadline;
      this.period = period;
      this.seq = seq;
    }

    @Override
    public void run() {
      try {
        V v = body.call();
        if (period == 0) {
          result = v;
          done = true;
        } else {
          synchronized (lock) {
            deadline = period > 0 ? deadline + period : nowNanos - period;
            if (!cancelled) {
              queue.add(this);
            }
          }
        }
      } catch (Throwable t) {
        failure = t;
        done = true;
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      synchronized (lock) {
        return unit.convert(deadline - nowNanos, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public int compareTo(Delayed o) {
      Task<?> other = (Task<?>) o;
      int c = Long.compare(deadline, other.deadline);
      return c != 0 ? c : Long.compare(seq, other.seq);
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      if (done) {
        return false;
      }
      cancelled = true;
      synchronized (lock) {
        queue.remove(this);
      }
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public V get() throws ExecutionException {
      if (cancelled) {
        throw new CancellationException();
      }
      if (!done) {
        throw new IllegalStateException("fake task not run yet: forward the FakeClock first");
      }
      if (failure != null) {
        throw new ExecutionException(failure);
      }
      return result;
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws ExecutionException, TimeoutException {
      if (!done && !cancelled) {
        throw new TimeoutException("fake task not run yet");
      }
      return get();
    }
  }

  private final class Scheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private volatile boolean shutdown;

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
      return add(() -> {
        command.run();
        return null;
      }, unit.toNanos(delay), 0);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
      return add(callable, unit.toNanos(delay), 0);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
      if (period <= 0) {
        throw new IllegalArgumentException("period must be positive");
      }
      return add(() -> {
        command.run();
        return null;
      }, unit.toNanos(initialDelay), unit.toNanos(period));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
      if (delay <= 0) {
        throw new IllegalArgumentException("delay must be positive");
      }
      return add(() -> {
        command.run();
        return null;
      }, unit.toNanos(initialDelay), -unit.toNanos(delay));
    }

    /** Runs at the current fake time, on the next {@link #forward} or {@link #runDue}. */
    @Override
    public void execute(Runnable command) {
      schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public List<Runnable> shutdownNow() {
      shutdown = true;
      List<Runnable> pending = new ArrayList<>();
      synchronized (lock) {
        pending.addAll(queue);
        queue.clear();
      }
      return pending;
    }

    @Override
    public boolean isShutdown() {
      return shutdown;
    }

    @Override
    public boolean isTerminated() {
      return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return shutdown;
    }
  }
}
