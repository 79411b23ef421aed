package io.imlink.core.internal;

import io.imlink.protocol.internal.SerializingExecutor;

import io.imlink.api.EngineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executors of one engine: its own loop thread (where all engine state changes happen), the
 * timer scheduler, and the serialised callback executor. Owns and stops the threads it created;
 * executors supplied through the builder are left alone.
 *
 * <p>Thread safety: {@link #shutdown()} may be called from any thread; the getters are immutable.
 */
public final class EngineThreads {
  private static final Logger log = LoggerFactory.getLogger(EngineThreads.class);

  private final ScheduledExecutorService loopThread;
  private final SerializingExecutor loop;
  private final ScheduledExecutorService timers;
  private final SerializingExecutor callbacks;
  private final List<ExecutorService> owned = new ArrayList<>();
  private final Set<Thread> ownThreads = ConcurrentHashMap.newKeySet();

  public EngineThreads(EngineConfig config, String engineId) {
    this.loopThread =
        DaemonThreads.singleThreadScheduler(recording(DaemonThreads.named("imlink-engine-" + engineId)));
    owned.add(loopThread);
    this.loop = new SerializingExecutor(loopThread, "imlink engine " + engineId);
    this.timers = config.scheduler().orElse(loopThread);
    ExecutorService callbackThread = null;
    if (config.callbackExecutor().isEmpty()) {
      callbackThread =
          Executors.newSingleThreadExecutor(
              recording(DaemonThreads.named("imlink-callbacks-" + engineId)));
      owned.add(callbackThread);
    }
    this.callbacks =
        new SerializingExecutor(
            config.callbackExecutor().orElse(callbackThread), "imlink callbacks " + engineId);
  }

  private ThreadFactory recording(ThreadFactory factory) {
    return r -> {
      Thread t = factory.newThread(r);
      ownThreads.add(t);
      return t;
    };
  }

  /** Whether the calling thread is one of the threads this engine created. */
  public boolean isOwnThread() {
    return ownThreads.contains(Thread.currentThread());
  }

  /** Where engine state changes run, one task at a time. */
  public SerializingExecutor loop() {
    return loop;
  }

  /** Where timers are scheduled; tasks must hand their work to {@link #loop()}. */
  public ScheduledExecutorService timers() {
    return timers;
  }

  /** Where listener callbacks run, one at a time, in order. */
  public SerializingExecutor callbacks() {
    return callbacks;
  }

  private static void await(ExecutorService e) {
    try {
      if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("engine threads still busy 5 s after close; interrupting them");
        e.shutdownNow();
      }
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      e.shutdownNow();
    }
  }

  /**
   * Stops the threads this engine created, in order — first the loop, then the callbacks — letting
   * tasks already queued finish, so that every callback due is delivered; waits for them (bounded).
   * From one of those threads (a listener closing the engine) it does not wait for itself.
   */
  public void shutdown() {
    boolean own = isOwnThread();
    // First the loop: after it, no callback is queued any more.
    ExecutorService loopExecutor = owned.get(0);
    loopExecutor.shutdown();
    if (!own) {
      await(loopExecutor);
    }
    // Then the callbacks already queued are delivered, on whichever executor runs them.
    if (!callbacks.isCurrentThreadRunning() && !own) {
      CountDownLatch delivered = new CountDownLatch(1);
      callbacks.execute(delivered::countDown);
      try {
        if (!delivered.await(5, TimeUnit.SECONDS)) {
          log.warn("callbacks still running 5 s after close; not waiting for them");
        }
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    }
    for (ExecutorService e : owned.subList(1, owned.size())) {
      e.shutdown();
      if (!own) {
        await(e);
      }
    }
    if (own) {
      return;
    }
    // A terminated pool's worker may still be unwinding: wait until the threads have really ended.
    for (Thread t : ownThreads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
