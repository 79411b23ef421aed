package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FakeClockTest {
  @Test
  void tasksRunInDeadlineOrderOnlyWhenTimeReachesThem() throws Exception {
    FakeClock time = new FakeClock(Instant.parse("2026-11-26T00:00:00Z"));
    List<String> ran = new ArrayList<>();
    time.scheduler().schedule(() -> ran.add("b@200"), 200, TimeUnit.MILLISECONDS);
    time.scheduler().schedule(() -> ran.add("a@100"), 100, TimeUnit.MILLISECONDS);
    ScheduledFuture<?> cancelled = time.scheduler().schedule(() -> ran.add("never"), 150, TimeUnit.MILLISECONDS);
    ScheduledFuture<Integer> value = time.scheduler().schedule(() -> 42, 300, TimeUnit.MILLISECONDS);
    assertThat(cancelled.cancel(false)).isTrue();
    assertThat(time.pendingTasks()).isEqualTo(3);
    assertThat(time.nextTaskDelay()).isEqualTo(Duration.ofMillis(100));

    assertThat(time.forward(Duration.ofMillis(99))).isZero();
    assertThat(ran).isEmpty();
    assertThat(time.forward(Duration.ofMillis(101))).isEqualTo(2);
    assertThat(ran).containsExactly("a@100", "b@200");
    assertThat(time.now()).isEqualTo(Instant.parse("2026-11-26T00:00:00.200Z"));
    assertThat(time.clock().millis()).isEqualTo(Instant.parse("2026-11-26T00:00:00.200Z").toEpochMilli());
    assertThatThrownBy(value::get).isInstanceOf(IllegalStateException.class);
    time.forward(Duration.ofSeconds(1));
    assertThat(value.get()).isEqualTo(42);
  }

  @Test
  void periodicTasksRepeatAndTimeSeenByATaskIsItsDeadline() {
    FakeClock time = new FakeClock();
    List<Instant> seen = new ArrayList<>();
    ScheduledFuture<?> f =
        time.scheduler().scheduleAtFixedRate(() -> seen.add(time.now()), 10, 10, TimeUnit.SECONDS);
    time.forward(Duration.ofSeconds(35));
    assertThat(seen).hasSize(3);
    assertThat(Duration.between(seen.get(0), seen.get(1))).isEqualTo(Duration.ofSeconds(10));
    f.cancel(false);
    time.forward(Duration.ofMinutes(5));
    assertThat(seen).hasSize(3);
    assertThat(time.pendingTasks()).isZero();
  }
}
