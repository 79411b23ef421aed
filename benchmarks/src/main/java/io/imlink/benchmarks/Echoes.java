package io.imlink.benchmarks;

import io.imlink.api.ImEngine;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The echo round trip A → server → B → server → A, one message in flight, shared by the
 * benchmarks that time it: B sends every message it receives straight back to A.
 */
final class Echoes {
  static final String TEXT = "{\"content\":\"a short chat message of ordinary length\"}";

  private Echoes() {}

  /**
   * The timed echoes.
   *
   * @param latency round trips in nanoseconds
   * @param wakeupsPerEcho the process's thread wake-ups ({@link Wakeups}) per timed echo, or -1
   */
  record Result(Histogram latency, double wakeupsPerEcho) {}

  /**
   * Times {@code n} echoes after {@code warm} untimed ones, and counts the wake-ups they cost.
   *
   * @param where what the failure message says the echo went over
   */
  static Result measure(ImEngine alice, String aliceId, ImEngine bob, String bobId, int warm, int n, String where)
      throws Exception {
    bob.addMessageListener((m, left, offline) -> bob.sendMessage(aliceId, m.objectName(), m.content(), null));
    SynchronousQueue<Long> echoed = new SynchronousQueue<>();
    alice.addMessageListener((m, left, offline) -> {
      long now = System.nanoTime();
      try {
        echoed.put(now);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    Histogram echo = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    long wakeupsBefore = 0;
    for (int i = 0; i < warm + n; i++) {
      if (i == warm) {
        wakeupsBefore = Wakeups.count();
      }
      long start = System.nanoTime();
      if (alice.sendMessage(bobId, "RC:TxtMsg", TEXT, null) != 0) {
        throw new IllegalStateException("send refused");
      }
      Long back = echoed.poll(10, TimeUnit.SECONDS);
      if (back == null) {
        throw new IllegalStateException("no echo within 10 s over " + where);
      }
      if (i >= warm) {
        echo.recordValue(back - start);
      }
    }
    long wakeupsAfter = Wakeups.count();
    double perEcho = wakeupsBefore < 0 || wakeupsAfter < 0 ? -1 : (wakeupsAfter - wakeupsBefore) / (double) n;
    return new Result(echo, perEcho);
  }
}
