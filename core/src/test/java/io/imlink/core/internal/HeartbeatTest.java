package io.imlink.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The heartbeat alone, on a hand-driven clock and timer list. */
class HeartbeatTest {
  private long nowMs = 1_000_000;
  private final Clock clock = new Clock() {
    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(nowMs);
    }
  };
  private final List<Timer> timers = new ArrayList<>();
  private final List<Long> pings = new ArrayList<>();
  private final List<Integer> deaths = new ArrayList<>();
  private boolean onLoop = true;
  private boolean writable = true;
  private long ids;

  private final class Timer implements ScheduledFuture<Object> {
    final Runnable task;
    final long atMs;
    boolean cancelled;

    Timer(Runnable task, Duration delay) {
      this.task = task;
      this.atMs = nowMs + delay.toMillis();
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(atMs - nowMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.MILLISECONDS), o.getDelay(TimeUnit.MILLISECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterrupt) {
      cancelled = true;
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() {
      return null;
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      return null;
    }
  }

  private Heartbeat heartbeat(Duration interval) {
    return new Heartbeat(new Heartbeat.Target() {
      @Override
      public boolean sendPing(long id) {
        pings.add(id);
        return writable;
      }

      @Override
      public void dead(int code) {
        deaths.add(code);
      }

      @Override
      public boolean isLive() {
        return true;
      }

      @Override
      public String describe() {
        return "test link";
      }
    }, interval, Duration.ofSeconds(3), clock, (task, delay) -> {
      Timer t = new Timer(task, delay);
      timers.add(t);
      return t;
    }, () -> ++ids, () -> {
      if (!onLoop) {
        throw new IllegalStateException("not on the engine's loop");
      }
    });
  }

  /** Moves the clock by {@code ms}, running the timers due on the way, in order. */
  private void advance(long ms) {
    long until = nowMs + ms;
    while (true) {
      Timer next = timers.stream().filter(t -> !t.cancelled && t.atMs <= until)
          .min((a, b) -> Long.compare(a.atMs, b.atMs)).orElse(null);
      if (next == null) {
        break;
      }
      nowMs = Math.max(nowMs, next.atMs);
      next.cancelled = true;
      next.task.run();
    }
    nowMs = until;
  }

  private long armed() {
    return timers.stream().filter(t -> !t.cancelled).count();
  }

  @Test
  void pingsEveryIntervalWhileAnswered() {
    Heartbeat h = heartbeat(Duration.ofSeconds(10)); // two ticks of 5 s
    h.start();
    advance(9_999);
    assertThat(pings).isEmpty();
    advance(1);
    assertThat(pings).containsExactly(1L);
    h.onPong(1);
    advance(10_000);
    assertThat(pings).containsExactly(1L, 2L);
    assertThat(deaths).isEmpty();
  }

  @Test
  void aMissingPongKillsTheLinkWith30013AndStopsEverything() {
    Heartbeat h = heartbeat(Duration.ofSeconds(5));
    h.start();
    advance(5_000);
    h.onPong(99); // not the ping in flight
    advance(3_000);
    assertThat(deaths).containsExactly(ErrorCode.PONG_RECV_FAIL.code());
    assertThat(armed()).as("nothing left armed").isZero();
  }

  @Test
  void aPingThatCannotBeWrittenKillsTheLinkWith30012() {
    writable = false;
    Heartbeat h = heartbeat(Duration.ofSeconds(5));
    h.start();
    advance(5_000);
    assertThat(deaths).containsExactly(ErrorCode.PING_SEND_FAIL.code());
    assertThat(armed()).isZero();
  }

  @Test
  void aPausedProcessChecksTheLinkAtOnce() {
    Heartbeat h = heartbeat(Duration.ofSeconds(60));
    h.start();
    nowMs += 20_000; // the process slept: the wall clock moved, no tick ran
    advance(Heartbeat.MAX_TICK.toMillis());
    assertThat(pings).as("a ping at the first tick after the pause, not after 60 s").hasSize(1);
  }

  @Test
  void stoppedItDoesNothingMoreAndCallsOffTheLoopAreRefused() {
    Heartbeat h = heartbeat(Duration.ofSeconds(5));
    h.start();
    h.stop();
    advance(60_000);
    assertThat(pings).isEmpty();
    onLoop = false;
    assertThatThrownBy(() -> h.onPong(1)).hasMessageContaining("loop");
  }

  @Test
  void theIntervalIsTheBuildersThenTheServersThenTheDefault() {
    assertThat(Heartbeat.interval(Optional.of(Duration.ofSeconds(7)), 20_000)).isEqualTo(Duration.ofSeconds(7));
    assertThat(Heartbeat.interval(Optional.empty(), 20_000)).isEqualTo(Duration.ofSeconds(20));
    assertThat(Heartbeat.interval(Optional.empty(), 0)).isEqualTo(Heartbeat.DEFAULT_PING_INTERVAL);
  }
}
