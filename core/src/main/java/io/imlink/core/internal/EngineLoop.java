package io.imlink.core.internal;

import io.imlink.protocol.internal.SerializingExecutor;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The engine's loop: where every piece of engine state lives and changes, one task at a time, as
 * grpc-java's {@code SynchronizationContext}. Components confined to it call {@link #check()} at
 * their entry points; work from I/O threads, timers and store completions comes in through {@link
 * #post}, and timers through {@link #schedule}, which runs the task on the loop when it fires.
 *
 * <p>Thread safety: {@link #post}, {@link #schedule} and {@link #isCurrent} may be called from any
 * thread; {@link #check} throws on any thread but the loop's.
 */
@Singleton
final class EngineLoop implements Executor {
  private final SerializingExecutor loop;
  private final ScheduledExecutorService timers;

  @Inject
  EngineLoop(EngineThreads threads, @Timers ScheduledExecutorService timers) {
    this.loop = threads.loop();
    this.timers = timers;
  }

  /** Queues {@code task} on the loop (dropped once the loop has stopped). */
  void post(Runnable task) {
    loop.execute(task);
  }

  @Override
  public void execute(Runnable task) {
    loop.execute(task);
  }

  /** Runs {@code task} on the loop after {@code delay}; cancel the returned future to drop it. */
  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return timers.schedule(() -> loop.execute(task), delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Whether the calling thread is running one of the loop's tasks. */
  boolean isCurrent() {
    return loop.isCurrentThreadRunning();
  }

  /** Throws unless the caller runs on the loop, where all of the engine's state lives. */
  void check() {
    if (!loop.isCurrentThreadRunning()) {
      throw new IllegalStateException("not on the engine's loop: " + Thread.currentThread().getName());
    }
  }

  /** The executor stores are opened with: their completions run on the loop, with no thread switch. */
  SerializingExecutor executor() {
    return loop;
  }
}
