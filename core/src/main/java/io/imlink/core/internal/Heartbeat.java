package io.imlink.core.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat of one live link: pings every ping interval, and declares the link dead when a pong
 * is missing after the pong timeout (30013) or a ping cannot be written (30012). It ticks at most
 * {@link #MAX_TICK} apart and compares the wall clock on each tick: if far more time passed than
 * the tick (the process was paused, the machine slept), it checks the link at once instead of
 * trusting it.
 *
 * <p>Made when the link is established and {@link #stop stopped} when it ends; one per link, never
 * restarted. Thread: the engine's loop, every method and every timer it arms (they run through the
 * {@code schedule} function it is given, which posts to the loop). It asserts that.
 */
final class Heartbeat {
  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);
  /** The ping interval when neither the builder nor the server sets one. */
  static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(30);
  /** The heartbeat looks at the clock at least this often, to notice a paused process. */
  static final Duration MAX_TICK = Duration.ofSeconds(5);
  /** Wall-clock time beyond a tick that means the process was paused (or the clock jumped). */
  static final Duration CLOCK_JUMP = Duration.ofSeconds(5);

  /** What the heartbeat needs of the link it watches, and whom it tells what it does. */
  interface Target {
    /** Writes a ping with this id; false if it could not be written. */
    boolean sendPing(long id);

    /** The link is dead for {@code code}: drop it. The heartbeat has stopped. */
    void dead(int code);

    /** Whether the link is still the engine's live one (its late timers do nothing otherwise). */
    boolean isLive();

    /** Where the link goes, for the logs. */
    String describe();

    /** The next tick is armed, due in {@code delay}. */
    default void scheduled(Duration delay) {}

    /** Ping {@code id} went out; its pong is due within {@code pongTimeout}. */
    default void pinged(long id, Duration pongTimeout) {}

    /** The pong of ping {@code id} arrived in time. */
    default void ponged(long id) {}
  }

  private final Target link;
  private final Clock clock;
  private final BiFunction<Runnable, Duration, ScheduledFuture<?>> schedule;
  private final Runnable checkOnLoop;
  private final Duration pingInterval;
  private final Duration pongTimeout;
  private final Duration tick;
  private final java.util.function.LongSupplier pingIds;
  private long lastTickWallMs;
  private Duration sinceLastPing = Duration.ZERO;
  private long pendingPing;
  private ScheduledFuture<?> tickTimer;
  private ScheduledFuture<?> pongTimer;
  private boolean stopped;

  /**
   * @param pingInterval how often to ping while idle
   * @param schedule runs a task on the engine's loop after a delay
   * @param pingIds the ids of pings, unique per engine
   * @param checkOnLoop throws unless the caller is on the engine's loop
   */
  Heartbeat(Target link, Duration pingInterval, Duration pongTimeout, Clock clock,
      BiFunction<Runnable, Duration, ScheduledFuture<?>> schedule, java.util.function.LongSupplier pingIds,
      Runnable checkOnLoop) {
    this.link = link;
    this.pingInterval = pingInterval;
    this.pongTimeout = pongTimeout;
    this.clock = clock;
    this.schedule = schedule;
    this.pingIds = pingIds;
    this.checkOnLoop = checkOnLoop;
    this.tick = pingInterval.compareTo(MAX_TICK) < 0 ? pingInterval : MAX_TICK;
  }

  /** The ping interval: the builder's, else the one the server announced (ms, 0 for none), else the default. */
  static Duration interval(java.util.Optional<Duration> configured, int announcedMs) {
    return configured.orElse(announcedMs > 0 ? Duration.ofMillis(announcedMs) : DEFAULT_PING_INTERVAL);
  }

  /** Arms the first tick. */
  void start() {
    checkOnLoop.run();
    lastTickWallMs = clock.millis();
    armTick();
  }

  private void armTick() {
    tickTimer = schedule.apply(this::onTick, tick);
    link.scheduled(tick);
  }

  /** Cancels every timer; nothing of this heartbeat happens afterwards. */
  void stop() {
    checkOnLoop.run();
    stopped = true;
    if (tickTimer != null) {
      tickTimer.cancel(false);
      tickTimer = null;
    }
    if (pongTimer != null) {
      pongTimer.cancel(false);
      pongTimer = null;
    }
  }

  /** A pong arrived: it answers the ping in flight if its id matches. */
  void onPong(long id) {
    checkOnLoop.run();
    if (id == pendingPing && pendingPing != 0) {
      pendingPing = 0;
      if (pongTimer != null) {
        pongTimer.cancel(false);
        pongTimer = null;
      }
      link.ponged(id);
    }
  }

  private boolean active() {
    return !stopped && link.isLive();
  }

  private void onTick() {
    checkOnLoop.run();
    if (!active()) {
      return;
    }
    long wall = clock.millis();
    long wallElapsed = wall - lastTickWallMs;
    lastTickWallMs = wall;
    sinceLastPing = sinceLastPing.plus(tick);
    boolean paused = wallElapsed > tick.plus(CLOCK_JUMP).toMillis();
    if (paused) {
      log.info("{} ms passed during a {} heartbeat tick (process paused?): checking the link now", wallElapsed, tick);
    }
    if ((paused || sinceLastPing.compareTo(pingInterval) >= 0) && pendingPing == 0) {
      ping();
      if (!active()) {
        return;
      }
    }
    armTick();
  }

  private void ping() {
    sinceLastPing = Duration.ZERO;
    long id = pingIds.getAsLong();
    pendingPing = id;
    if (!link.sendPing(id)) {
      die(io.imlink.api.ErrorCode.PING_SEND_FAIL.code());
      return;
    }
    pongTimer = schedule.apply(() -> {
      checkOnLoop.run();
      if (active() && pendingPing == id) {
        log.info("no pong from {} within {}: the link is dead", link.describe(), pongTimeout);
        die(io.imlink.api.ErrorCode.PONG_RECV_FAIL.code());
      }
    }, pongTimeout);
    link.pinged(id, pongTimeout);
  }

  private void die(int code) {
    stop();
    link.dead(code);
  }
}
