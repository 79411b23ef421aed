package io.imlink.cli;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ErrorCode;
import io.imlink.api.ImEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * An engine whose every callback is printed on a {@link Timeline} and recorded, so the CLI can wait
 * for what it expects ("alice is CONNECTED") with a bound instead of sleeping.
 */
final class WatchedEngine implements AutoCloseable {
  private final String name;
  private final ImEngine engine;
  private final Timeline timeline;
  private final List<String> events = new ArrayList<>();
  private volatile long connectCalledNanos;
  /** Set by {@link #closeQuietly}: callbacks are ignored from then on. Guarded by this. */
  private boolean quiet;

  WatchedEngine(String name, ImEngine engine, Timeline timeline) {
    this.name = name;
    this.engine = engine;
    this.timeline = timeline;
    engine.setOnDatabaseOpened(code -> record("onDatabaseOpened(" + code + ")", code == 0 ? "" : describe(code)));
    engine.setOnConnected((code, userId) -> {
      String took = String.format(Locale.ROOT, "%.3f ms after connect()", (System.nanoTime() - connectCalledNanos) / 1e6);
      record("onConnected(" + code + ", \"" + userId + "\")", code == 0 ? took : describe(code) + ", " + took);
    });
    engine.addConnectionStatusListener((status, reason) ->
        record("status " + status + "(" + reason + ")", reason == 0 ? "" : describe(reason)));
    engine.addMessageListener((m, left, offline) ->
        record("received from " + m.senderUserId(), m.content() + (offline ? "  (offline, " + left + " left)" : "  (live)")));
  }

  private static String describe(int code) {
    return ErrorCode.find(code).map(c -> c.name() + ": " + c.description()).orElse("unknown code");
  }

  private synchronized void record(String event, String detail) {
    if (quiet) {
      return; // closing on a signal: what the engine still reports is not printed
    }
    events.add(event);
    timeline.print(name, detail.isEmpty() ? event : event + "  — " + detail);
    notifyAll();
  }

  ImEngine engine() {
    return engine;
  }

  int connect(String token, int timeoutSeconds) {
    connectCalledNanos = System.nanoTime();
    int code = engine.connect(token, timeoutSeconds);
    synchronized (this) {
      if (!quiet) {
        timeline.print(name, "connect(token, " + timeoutSeconds + ") returned " + code);
      }
    }
    return code;
  }

  int mark() {
    synchronized (this) {
      return events.size();
    }
  }

  /** Waits for an event starting with {@code prefix} after index {@code from}; returns it. */
  synchronized String await(String prefix, int from, Duration timeout) throws InterruptedException {
    return await(e -> e.startsWith(prefix), prefix, from, timeout);
  }

  synchronized String await(Predicate<String> match, String what, int from, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (int i = from; i < events.size(); i++) {
        if (match.test(events.get(i))) {
          return events.get(i);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException(name + ": expected " + what + " within " + timeout + ", saw " + events);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /** Waits until {@code n} events starting with {@code prefix} happened after index {@code from}. */
  synchronized void awaitCount(String prefix, int from, int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (events.subList(Math.min(from, events.size()), events.size()).stream().filter(e -> e.startsWith(prefix)).count() < n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException(name + ": expected " + n + " x " + prefix + " within " + timeout + ", saw " + events);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  String awaitStatus(ConnectionStatus status, int from, Duration timeout) throws InterruptedException {
    return await("status " + status + "(", from, timeout);
  }

  @Override
  public void close() {
    engine.close();
  }

  /**
   * Ignores every callback from now on, then closes the engine and waits for it (a shutdown hook's
   * close: the output should end quietly, whatever the engine reports while it signs out).
   */
  void closeQuietly() {
    synchronized (this) {
      quiet = true;
    }
    engine.close();
  }
}
