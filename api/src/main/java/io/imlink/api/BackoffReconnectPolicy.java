package io.imlink.api;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/** A step schedule with optional full jitter; see {@link ReconnectPolicy#schedule}. Immutable. */
final class BackoffReconnectPolicy implements ReconnectPolicy {

  static final BackoffReconnectPolicy STANDARD =
      new BackoffReconnectPolicy(
          List.of(
              Duration.ofMillis(50),
              Duration.ofMillis(250),
              Duration.ofMillis(500),
              Duration.ofSeconds(1),
              Duration.ofSeconds(2),
              Duration.ofSeconds(4),
              Duration.ofSeconds(8),
              Duration.ofSeconds(16),
              Duration.ofSeconds(32)),
          Duration.ofSeconds(64),
          true);

  private final List<Duration> steps;
  private final Duration thereafter;
  private final boolean fullJitter;

  BackoffReconnectPolicy(List<Duration> steps, Duration thereafter, boolean fullJitter) {
    this.steps = List.copyOf(steps);
    this.thereafter = Objects.requireNonNull(thereafter, "thereafter");
    for (Duration d : this.steps) {
      requireNonNegative(d);
    }
    requireNonNegative(thereafter);
    this.fullJitter = fullJitter;
  }

  private static void requireNonNegative(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("reconnect delays must not be negative: " + d);
    }
  }

  @Override
  public Duration delayBeforeAttempt(int attempt, RandomGenerator random) {
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt counts from 1, got " + attempt);
    }
    Duration base = attempt <= steps.size() ? steps.get(attempt - 1) : thereafter;
    if (!fullJitter || base.isZero()) {
      return base;
    }
    long nanos = base.toNanos();
    return Duration.ofNanos(random.nextLong(nanos + 1));
  }

  @Override
  public String toString() {
    return "ReconnectPolicy" + steps + " then " + thereafter + (fullJitter ? " with full jitter" : "");
  }
}
