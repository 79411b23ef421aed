package io.imlink.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.TransportProvider;
import io.imlink.protocol.TokenClaims;
import io.imlink.protocol.Tokens;
import java.time.Instant;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's threading contract: where callbacks run, in what order, and what close() frees. */
class EngineThreadingTest {
  static final String TOKEN =
      Tokens.sign(new TokenClaims("app", "alice", Instant.parse("2026-11-26T00:00:00Z"), null), "app-secret");

  @TempDir Path tmp;

  private ImEngine.Builder builder() {
    return TestProviders.builder(tmp, TestProviders.TcpA.class, TestProviders.TCP);
  }

  private static Set<Thread> imlinkThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("imlink-"))
        .collect(Collectors.toSet());
  }

  @Test
  void callbacksRunOnTheEngineCallbackThreadNotTheCaller() throws Exception {
    try (ImEngine engine = builder().build()) {
      CountDownLatch seen = new CountDownLatch(1);
      List<String> threads = Collections.synchronizedList(new ArrayList<>());
      engine.addConnectionStatusListener(
          (status, reason) -> {
            threads.add(Thread.currentThread().getName());
            seen.countDown();
          });
      assertThat(engine.connect(TOKEN, 0)).isZero();
      assertThat(seen.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(threads.get(0))
          .startsWith("imlink-callbacks-")
          .isNotEqualTo(Thread.currentThread().getName());
    }
  }

  @Test
  void aSuppliedMultiThreadedExecutorStillSeesCallbacksOneAtATimeInOrder() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (ImEngine engine = builder().callbackExecutor(pool).build()) {
      AtomicInteger inFlight = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      List<ConnectionStatus> seen = Collections.synchronizedList(new ArrayList<>());
      Set<String> threadNames = Collections.synchronizedSet(new java.util.HashSet<>());
      engine.addConnectionStatusListener(
          (status, reason) -> {
            if (inFlight.incrementAndGet() > 1) {
              overlaps.incrementAndGet();
            }
            threadNames.add(Thread.currentThread().getName());
            seen.add(status);
            Thread.onSpinWait();
            inFlight.decrementAndGet();
          });
      for (int i = 0; i < 200; i++) {
        assertThat(engine.connect(TOKEN, 0)).isZero();
        assertThat(engine.disconnect()).isZero();
      }
      engine.close();
      assertThat(overlaps).hasValue(0);
      assertThat(seen).hasSize(400);
      for (int i = 0; i < seen.size(); i += 2) {
        assertThat(seen.get(i)).isEqualTo(ConnectionStatus.CONNECTING);
        assertThat(seen.get(i + 1)).isEqualTo(ConnectionStatus.SIGN_OUT);
      }
      assertThat(threadNames).allMatch(n -> n.startsWith("pool-"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aThrowingListenerIsContainedAndOthersStillRun() throws Exception {
    try (ImEngine engine = builder().build()) {
      List<ConnectionStatus> seen = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch done = new CountDownLatch(2);
      engine.addConnectionStatusListener(
          (status, reason) -> {
            throw new IllegalStateException("listener bug");
          });
      engine.addConnectionStatusListener(
          (status, reason) -> {
            seen.add(status);
            done.countDown();
          });
      engine.connect(TOKEN, 0);
      engine.disconnect();
      assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(seen).containsExactly(ConnectionStatus.CONNECTING, ConnectionStatus.SIGN_OUT);
    }
  }

  @Test
  void connectArgumentsAndStateAreCheckedAtOnce() {
    ImEngine engine = builder().build();
    assertThat(engine.connect(null, 0)).isEqualTo(33003);
    assertThat(engine.connect("  ", 5)).isEqualTo(33003);
    assertThat(engine.connect(TOKEN, 5)).isZero();
    assertThat(engine.connect(TOKEN, 5)).isEqualTo(34001);
    engine.close();
    assertThat(engine.connect(TOKEN, 5)).isEqualTo(33001);
    assertThat(engine.disconnect()).isEqualTo(33001);
  }

  @Test
  void closeLeavesNoLiveThread() throws Exception {
    Set<Thread> before = imlinkThreads();
    ImEngine engine = builder().build();
    CountDownLatch seen = new CountDownLatch(1);
    engine.addConnectionStatusListener((s, r) -> seen.countDown());
    engine.connect(TOKEN, 0);
    assertThat(seen.await(5, TimeUnit.SECONDS)).isTrue();
    Set<Thread> mine = imlinkThreads();
    mine.removeAll(before);
    assertThat(mine).isNotEmpty();
    engine.close();
    engine.close(); // idempotent
    assertThat(mine).allMatch(t -> !t.isAlive(), "all engine threads stopped");
  }

  @Test
  void closingFromACallbackDoesNotDeadlockAndStillFreesTheThreads() throws Exception {
    Set<Thread> before = imlinkThreads();
    ImEngine engine = builder().build();
    CountDownLatch closed = new CountDownLatch(1);
    engine.addConnectionStatusListener(
        (s, r) -> {
          if (s == ConnectionStatus.CONNECTING) {
            engine.close();
            closed.countDown();
          }
        });
    Set<Thread> mine = imlinkThreads();
    mine.removeAll(before);
    engine.connect(TOKEN, 0);
    assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
    for (Thread t : mine) {
      t.join(5_000);
      assertThat(t.isAlive()).as(t.getName()).isFalse();
    }
  }
}
