package io.imlink.core.internal;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ErrorCode;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connection's state machine: one {@link Phase}, moved only along {@link Phase#allows the
 * table} (an illegal move is a bug and throws), and the app's {@link ConnectionStatus} derived from
 * it and reported on every change. {@code CONNECTING} and {@code CONNECTED} are reported once however
 * many moves keep them; every other status is reported again with each new reason (a {@code
 * SUSPEND} per failed cycle).
 *
 * <p>Thread: the engine's loop for every move, which it asserts; {@link #status()} from any thread.
 */
@Singleton
final class ConnectionMachine {
  private static final Logger log = LoggerFactory.getLogger(ConnectionMachine.class);

  private final EngineLoop loop;
  private final Listeners listeners;
  private Phase phase = Phase.IDLE;
  /** Whether the current session has been connected (its waits are then reconnects). */
  private boolean everConnected;
  private volatile ConnectionStatus status = ConnectionStatus.UNCONNECTED;

  @Inject
  ConnectionMachine(EngineLoop loop, Listeners listeners) {
    this.loop = loop;
    this.listeners = listeners;
  }

  Phase phase() {
    loop.check();
    return phase;
  }

  boolean is(Phase p) {
    loop.check();
    return phase == p;
  }

  /** Whether the current session has been connected before. */
  boolean everConnected() {
    loop.check();
    return everConnected;
  }

  /** The status last reported; from any thread. */
  ConnectionStatus status() {
    return status;
  }

  /** Moves to a working phase, reporting its status with {@code reason} (0 for none). */
  void enter(Phase next, int reason) {
    move(next);
    if (next == Phase.CONNECTED) {
      everConnected = true;
    }
    report(next.status(everConnected), reason);
  }

  /** A new session starts: its first attempt is not a reconnect. */
  void begin() {
    loop.check();
    if (phase != Phase.IDLE) {
      throw new IllegalStateException("a session begins only from IDLE, not " + phase);
    }
    everConnected = false;
    enter(Phase.CONNECTING, 0);
  }

  /** The session ends with {@code status} for {@code reason}: back to idle. */
  void end(ConnectionStatus finalStatus, int reason) {
    move(Phase.IDLE);
    report(finalStatus, reason);
  }

  /** The engine closes: reports {@code SIGN_OUT} if a session was still working. */
  void close() {
    boolean working = phase != Phase.IDLE;
    move(Phase.CLOSED);
    if (working) {
      report(ConnectionStatus.SIGN_OUT, 0);
    }
  }

  private void move(Phase next) {
    loop.check();
    if (!phase.allows(next)) {
      throw new IllegalStateException("illegal connection move " + phase + " -> " + next);
    }
    phase = next;
  }

  private void report(ConnectionStatus next, int reason) {
    if (status == next && (next == ConnectionStatus.CONNECTING || next == ConnectionStatus.CONNECTED)) {
      return;
    }
    status = next;
    log.debug("status {} ({}) in phase {}", next, ErrorCode.describe(reason), phase);
    listeners.fireStatus(next, reason);
  }

  /** The status a session ended by {@code code} leaves the app with. */
  static ConnectionStatus statusForFinal(int code) {
    return switch (ErrorCode.find(code).orElse(ErrorCode.CHANNEL_INVALID)) {
      case CONN_TOKEN_INCORRECT, CONN_TOKEN_EXPIRE -> ConnectionStatus.TOKEN_INCORRECT;
      case CONN_USER_BLOCKED -> ConnectionStatus.CONN_USER_BLOCKED;
      case DISCONN_KICK, CONN_OTHER_DEVICE_LOGIN -> ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT;
      case CONNECT_TIMEOUT -> ConnectionStatus.TIMEOUT;
      default -> ConnectionStatus.UNCONNECTED;
    };
  }
}
