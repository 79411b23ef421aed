package io.imlink.tck;

import io.imlink.api.ConnectionEventListener;
import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Records every callback of an engine, in order, with the thread it ran on: {@code
 * onDatabaseOpened}, {@code onConnected} and every status change; and, apart from them, every step
 * of its connection work ({@link ConnectionEventListener}), which tells a test on a fake clock which
 * timer the engine armed and when it is due. Tests wait for events instead of sleeping.
 *
 * <p>Thread safety: recording happens on the engine's callback thread; reading and waiting from any
 * thread.
 */
public final class EngineProbe {
  /** What happened. */
  public enum Kind {
    DATABASE_OPENED,
    CONNECTED,
    STATUS
  }

  /**
   * One callback.
   *
   * @param kind which callback
   * @param code its code (reason code for a status)
   * @param userId the user id of {@code onConnected}, else null
   * @param status the status of a status change, else null
   * @param thread the name of the thread it ran on
   */
  public record Event(Kind kind, int code, String userId, ConnectionStatus status, String thread) {
    @Override
    public String toString() {
      return switch (kind) {
        case DATABASE_OPENED -> "onDatabaseOpened(" + code + ")";
        case CONNECTED -> "onConnected(" + code + ", \"" + userId + "\")";
        case STATUS -> status + "(" + code + ")";
      };
    }
  }

  /**
   * One step of the connection work, as {@link ConnectionEventListener} reported it.
   *
   * @param index its place among the steps (a position to wait from)
   * @param kind the listener method's name, e.g. {@code "reconnectScheduled"}
   * @param server the server of an attempt or connection, else null
   * @param delay the delay of a scheduled reconnect or heartbeat, the pong timeout of a ping, the
   *     ping interval of a connection, else null
   * @param code the code of a failure, else 0
   * @param id the id of a ping or pong, else 0
   */
  public record Step(int index, String kind, URI server, Duration delay, int code, long id) {
    @Override
    public String toString() {
      return kind + "(" + (server != null ? server + " " : "") + (delay != null ? delay + " " : "")
          + (code != 0 ? code + " " : "") + (id != 0 ? "#" + id : "") + ")";
    }
  }

  private final List<Event> events = new ArrayList<>();
  private final List<Step> steps = new ArrayList<>();

  /** Attaches a new probe to every callback of {@code engine}. */
  public static EngineProbe attach(ImEngine engine) {
    EngineProbe p = new EngineProbe();
    engine.setOnDatabaseOpened(code -> p.add(new Event(Kind.DATABASE_OPENED, code, null, null, thread())));
    engine.setOnConnected((code, userId) -> p.add(new Event(Kind.CONNECTED, code, userId, null, thread())));
    engine.addConnectionStatusListener((s, reason) -> p.add(new Event(Kind.STATUS, reason, null, s, thread())));
    engine.addConnectionEventListener(new ConnectionEventListener() {
      @Override
      public void attemptStarted(URI server) {
        p.step("attemptStarted", server, null, 0, 0);
      }

      @Override
      public void attemptFailed(URI server, int code) {
        p.step("attemptFailed", server, null, code, 0);
      }

      @Override
      public void connected(URI server, Duration pingInterval) {
        p.step("connected", server, pingInterval, 0, 0);
      }

      @Override
      public void connectionLost(URI server, int code) {
        p.step("connectionLost", server, null, code, 0);
      }

      @Override
      public void reconnectScheduled(Duration delay, int failedCycles, int code) {
        p.step("reconnectScheduled", null, delay, code, 0);
      }

      @Override
      public void tokenRefreshStarted(int code) {
        p.step("tokenRefreshStarted", null, null, code, 0);
      }

      @Override
      public void heartbeatScheduled(Duration delay) {
        p.step("heartbeatScheduled", null, delay, 0, 0);
      }

      @Override
      public void pingSent(long id, Duration pongTimeout) {
        p.step("pingSent", null, pongTimeout, 0, id);
      }

      @Override
      public void pongReceived(long id) {
        p.step("pongReceived", null, null, 0, id);
      }
    });
    return p;
  }

  private synchronized void step(String kind, URI server, Duration delay, int code, long id) {
    steps.add(new Step(steps.size(), kind, server, delay, code, id));
    notifyAll();
  }

  /** Every connection step so far, in order. */
  public synchronized List<Step> steps() {
    return List.copyOf(steps);
  }

  /** The number of connection steps so far (an index to wait from). */
  public synchronized int stepCount() {
    return steps.size();
  }

  /** The latest step of {@code kind}; fails the test if there is none. */
  public synchronized Step lastStep(String kind) {
    for (int i = steps.size() - 1; i >= 0; i--) {
      if (steps.get(i).kind().equals(kind)) {
        return steps.get(i);
      }
    }
    throw new AssertionError("no " + kind + " step yet; steps: " + steps);
  }

  /** Waits (up to 15 s) for the first step of {@code kind} at index {@code from} or later. */
  public synchronized Step awaitStep(String kind, int from) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      for (int i = from; i < steps.size(); i++) {
        if (steps.get(i).kind().equals(kind)) {
          return steps.get(i);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        List<Step> tail = steps.size() > 30 ? steps.subList(steps.size() - 30, steps.size()) : steps;
        throw new AssertionError("no " + kind + " step from index " + from + " within 15 s; "
            + steps.size() + " steps, the last: " + tail);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  private static String thread() {
    return Thread.currentThread().getName();
  }

  private synchronized void add(Event e) {
    events.add(e);
    notifyAll();
  }

  /** Every event so far, in order. */
  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** The events so far as strings, in order, e.g. {@code [onDatabaseOpened(0), CONNECTING(0)…]}. */
  public synchronized List<String> trace() {
    return events.stream().map(Event::toString).toList();
  }

  /** The onConnected events so far. */
  public synchronized List<Event> connectedEvents() {
    return events.stream().filter(e -> e.kind() == Kind.CONNECTED).toList();
  }

  /** The status changes so far, as strings. */
  public synchronized List<String> statusTrace() {
    return events.stream().filter(e -> e.kind() == Kind.STATUS).map(Event::toString).toList();
  }

  /** Waits (up to 15 s) for the first event matching {@code p} at index {@code from} or later. */
  public Event await(Predicate<Event> p, int from) throws InterruptedException {
    return await(p, from, Duration.ofSeconds(15));
  }

  /** Waits for an event matching {@code p} at index {@code from} or later; fails the test on timeout. */
  public synchronized Event await(Predicate<Event> p, int from, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (int i = from; i < events.size(); i++) {
        if (p.test(events.get(i))) {
          return events.get(i);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        List<String> t = trace();
        List<String> tail = t.size() > 30 ? t.subList(t.size() - 30, t.size()) : t;
        throw new AssertionError("expected event not seen within " + timeout + "; " + t.size() + " events, the last: " + tail);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /** Waits for onConnected. */
  public Event awaitConnected() throws InterruptedException {
    return await(e -> e.kind() == Kind.CONNECTED, 0);
  }

  /** Waits for the status {@code s} reported after index {@code from}. */
  public Event awaitStatus(ConnectionStatus s, int from) throws InterruptedException {
    return await(e -> e.kind() == Kind.STATUS && e.status() == s, from);
  }

  /** Waits for status {@code s} anywhere in the record. */
  public Event awaitStatus(ConnectionStatus s) throws InterruptedException {
    return awaitStatus(s, 0);
  }

  /** The number of events so far (an index to wait from). */
  public synchronized int size() {
    return events.size();
  }
}
