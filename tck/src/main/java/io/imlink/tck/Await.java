package io.imlink.tck;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition that another thread will make true (an I/O event, not a timer). */
public final class Await {
  /** The default bound. */
  public static final Duration DEFAULT = Duration.ofSeconds(15);

  private Await() {}

  /** Polls {@code condition} until it holds; fails the test after {@link #DEFAULT}. */
  public static void until(String what, BooleanSupplier condition) throws InterruptedException {
    until(what, condition, DEFAULT);
  }

  /**
   * Waits until the wall clock reads later than {@code instant} (at millisecond resolution): for
   * steps that must come strictly after a time some side recorded in milliseconds.
   */
  public static void wallClockPast(java.time.Instant instant) throws InterruptedException {
    long ms = instant.toEpochMilli();
    until("the wall clock to pass " + instant, () -> System.currentTimeMillis() > ms);
  }

  /** Polls {@code condition} until it holds; fails the test after {@code timeout}. */
  public static void until(String what, BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(2);
    }
  }
}
