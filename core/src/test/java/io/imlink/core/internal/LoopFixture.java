package io.imlink.core.internal;

import io.imlink.api.ImEngine;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** A real engine loop for the unit tests of loop-confined parts; close it after the test. */
final class LoopFixture implements AutoCloseable {
  final EngineThreads threads =
      new EngineThreads(EngineModuleTest.config(ImEngine.builder("app").server(URI.create("tcp://127.0.0.1:1"))), "test");
  final EngineLoop loop = new EngineLoop(threads, threads.timers());

  /** Runs {@code task} on the loop and waits for it; its exception is rethrown here. */
  void run(Runnable task) {
    call(() -> {
      task.run();
      return null;
    });
  }

  /** Computes {@code task} on the loop and waits for it; its exception is rethrown here. */
  <T> T call(Supplier<T> task) {
    CompletableFuture<T> done = new CompletableFuture<>();
    loop.post(() -> {
      try {
        done.complete(task.get());
      } catch (RuntimeException | Error e) {
        done.completeExceptionally(e);
      }
    });
    try {
      return done.get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    threads.shutdown();
  }
}
