package io.imlink.api;

import java.time.Duration;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Decides how long the engine waits before each automatic reconnect attempt.
 *
 * <p>The engine counts attempts from 1 after every lost connection, failed attempt cycle or
 * {@code reconnectNow()}-style restart, and asks for the delay before each one. The default,
 * {@link #standard()}, follows the commercial SDK's schedule (0.05, 0.25, 0.5, 1, 2, 4, 8, 16, 32 s,
 * then every 64 s) with full jitter, so that many clients dropped at once do not come back at once.
 *
 * <p>Thread: called on the engine's internal thread, never concurrently for one engine. Must not
 * block. Call count: once per scheduled attempt.
 */
@FunctionalInterface
public interface ReconnectPolicy {

  /**
   * The delay before reconnect attempt {@code attempt}.
   *
   * @param attempt 1 for the first attempt after a loss, 2 for the next, and so on
   * @param random the engine's injected source of randomness, for jitter
   * @return a non-negative delay
   */
  Duration delayBeforeAttempt(int attempt, RandomGenerator random);

  /**
   * The commercial SDK's schedule — 0.05, 0.25, 0.5, 1, 2, 4, 8, 16, 32 s, then every 64 s — with
   * full jitter: each delay is drawn uniformly from zero to the scheduled value.
   */
  static ReconnectPolicy standard() {
    return BackoffReconnectPolicy.STANDARD;
  }

  /**
   * A schedule of the given steps, then {@code thereafter} for every later attempt.
   *
   * @param fullJitter whether each delay is drawn uniformly from zero to the scheduled value
   */
  static ReconnectPolicy schedule(List<Duration> steps, Duration thereafter, boolean fullJitter) {
    return new BackoffReconnectPolicy(steps, thereafter, fullJitter);
  }

  /** The same delay before every attempt, without jitter. */
  static ReconnectPolicy fixed(Duration delay) {
    return schedule(List.of(), delay, false);
  }
}
