package io.imlink.transport.websocket.internal;

import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.time.Clock;
import java.time.Duration;

/**
 * Logs what a listener refuses — malformed frames, oversized handshakes, handshakes that time out,
 * connections whose handling failed — as one line each, at most one line per interval (a second)
 * for the whole listener: the refusals in between are counted, and the count goes with the next
 * line, or with {@link #close()}; only the listener's one-off events go out whatever the rate. A peer
 * sending garbage therefore cannot flood the log.
 *
 * <p>Thread safety: every method may be called from any thread; none blocks beyond a short lock.
 */
final class RefusalLog {
  private static final System.Logger log = System.getLogger(WsAcceptor.class.getName());

  private final Clock clock;
  private final long intervalMillis;
  private final Sink sink;
  private boolean logged; // guarded by this
  private long lastLineAt; // guarded by this
  private long suppressed; // guarded by this

  /** Where the lines go. */
  interface Sink {
    /** One line; {@code failure}, if not null, is the error to log with it. */
    void line(Level level, String line, Throwable failure);
  }

  /**
   * Logs on {@code WsAcceptor}'s logger, at most once a second: refusals at INFO, failures and the
   * listener's own troubles at WARNING, a failure with its stack trace.
   */
  RefusalLog() {
    this(Clock.systemUTC(), Duration.ofSeconds(1), (level, line, failure) -> {
      if (failure == null) {
        log.log(level, line);
      } else {
        log.log(level, line, failure);
      }
    });
  }

  RefusalLog(Clock clock, Duration interval, Sink sink) {
    this.clock = clock;
    this.intervalMillis = interval.toMillis();
    this.sink = sink;
  }

  /** One refusal of {@code peer}'s connection, for {@code why}. */
  void refused(SocketAddress peer, String why) {
    report(Level.INFO, "refused " + peer + ": " + why, null);
  }

  /** The connection of {@code peer} was closed because handling it failed with {@code failure}. */
  void failed(SocketAddress peer, String what, Throwable failure) {
    report(Level.WARNING, "closed " + peer + ": " + what + ": " + failure, failure);
  }

  /**
   * Something happened to the listener itself; {@code always}: logged whatever the rate (for what
   * happens once, not for what a peer can repeat).
   */
  void listener(String what, boolean always) {
    report(Level.WARNING, what, null, always);
  }

  private void report(Level level, String what, Throwable failure) {
    report(level, what, failure, false);
  }

  private void report(Level level, String what, Throwable failure, boolean always) {
    String line;
    synchronized (this) {
      long now = clock.millis();
      if (!always && logged && now - lastLineAt < intervalMillis) {
        suppressed++;
        return;
      }
      line = "WebSocket: " + what + suppressedNote();
      logged = true;
      lastLineAt = now;
      suppressed = 0;
    }
    sink.line(level, line, failure);
  }

  /** Reports the refusals not logged yet, if any. */
  void close() {
    String line;
    synchronized (this) {
      if (suppressed == 0) {
        return;
      }
      line = "WebSocket: " + suppressed + " more refusals not logged";
      suppressed = 0;
    }
    sink.line(Level.INFO, line, null);
  }

  private String suppressedNote() {
    return suppressed == 0 ? "" : " (and " + suppressed + " more refusals since the last line)";
  }
}
