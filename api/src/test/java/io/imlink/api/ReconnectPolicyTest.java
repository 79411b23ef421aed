package io.imlink.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ReconnectPolicyTest {
  private static final long[] SCHEDULE_MS = {50, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000};

  @Test
  void standardScheduleIsTheCommercialOneWithFullJitter() {
    ReconnectPolicy policy = ReconnectPolicy.standard();
    SplittableRandom random = new SplittableRandom(42);
    for (int attempt = 1; attempt <= 20; attempt++) {
      long capMs = attempt <= SCHEDULE_MS.length ? SCHEDULE_MS[attempt - 1] : 64_000;
      Duration max = Duration.ZERO;
      Duration min = Duration.ofDays(1);
      for (int i = 0; i < 500; i++) {
        Duration d = policy.delayBeforeAttempt(attempt, random);
        assertThat(d).isBetween(Duration.ZERO, Duration.ofMillis(capMs));
        max = d.compareTo(max) > 0 ? d : max;
        min = d.compareTo(min) < 0 ? d : min;
      }
      // Full jitter spreads the delays over the whole range, not around the cap.
      assertThat(max).as("attempt %d", attempt).isGreaterThan(Duration.ofMillis(capMs * 9 / 10));
      assertThat(min).as("attempt %d", attempt).isLessThan(Duration.ofMillis(capMs / 10));
    }
  }

  @Test
  void sameRandomSeedGivesSameDelays() {
    ReconnectPolicy policy = ReconnectPolicy.standard();
    SplittableRandom a = new SplittableRandom(7);
    SplittableRandom b = new SplittableRandom(7);
    for (int attempt = 1; attempt < 12; attempt++) {
      assertThat(policy.delayBeforeAttempt(attempt, a)).isEqualTo(policy.delayBeforeAttempt(attempt, b));
    }
  }

  @Test
  void scheduleWithoutJitterIsExact() {
    ReconnectPolicy policy =
        ReconnectPolicy.schedule(List.of(Duration.ofMillis(10), Duration.ofMillis(20)), Duration.ofMillis(30), false);
    SplittableRandom random = new SplittableRandom();
    assertThat(policy.delayBeforeAttempt(1, random)).isEqualTo(Duration.ofMillis(10));
    assertThat(policy.delayBeforeAttempt(2, random)).isEqualTo(Duration.ofMillis(20));
    assertThat(policy.delayBeforeAttempt(3, random)).isEqualTo(Duration.ofMillis(30));
    assertThat(policy.delayBeforeAttempt(300, random)).isEqualTo(Duration.ofMillis(30));
    assertThat(ReconnectPolicy.fixed(Duration.ofSeconds(2)).delayBeforeAttempt(5, random))
        .isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void badArgumentsAreRefused() {
    assertThatThrownBy(() -> ReconnectPolicy.fixed(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> ReconnectPolicy.standard().delayBeforeAttempt(0, new SplittableRandom()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("attempt counts from 1");
  }
}
