package io.imlink.core.internal;

import io.imlink.api.ConnectionStatus;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where the engine's connection work stands: the one state {@link ConnectionMachine} keeps, with the
 * moves it allows. The app's {@link ConnectionStatus} is derived from it.
 */
enum Phase {
  /** No connect in progress: before the first, or after a session ended (final reason, sign out). */
  IDLE,
  /** A transport connect to one server is under way. */
  CONNECTING,
  /** The ConnectRequest is sent; waiting for the server's ConnectAck. */
  AWAITING_ACK,
  /** Established and authenticated: the heartbeat runs, messages flow. */
  CONNECTED,
  /** Every server failed in this cycle (or the link was lost): waiting for the next cycle's timer. */
  BACKOFF,
  /** The token was refused: waiting for the token provider; no attempt may start. */
  REFRESHING_TOKEN,
  /** The engine is closed. Final. */
  CLOSED;

  private Set<Phase> next;

  static {
    IDLE.next = EnumSet.of(CONNECTING, CLOSED);
    // CONNECTING → CONNECTING: the next server of the same cycle. → IDLE: a final reason, sign out,
    // the call's timeout, or a token that is not one (ended before any attempt).
    CONNECTING.next = EnumSet.of(CONNECTING, AWAITING_ACK, BACKOFF, IDLE, CLOSED);
    AWAITING_ACK.next = EnumSet.of(CONNECTING, CONNECTED, BACKOFF, REFRESHING_TOKEN, IDLE, CLOSED);
    CONNECTED.next = EnumSet.of(BACKOFF, IDLE, CLOSED);
    BACKOFF.next = EnumSet.of(CONNECTING, IDLE, CLOSED);
    REFRESHING_TOKEN.next = EnumSet.of(CONNECTING, IDLE, CLOSED);
    CLOSED.next = EnumSet.noneOf(Phase.class);
  }

  /** Whether the machine may move from this phase to {@code to}. */
  boolean allows(Phase to) {
    return next.contains(to);
  }

  /** Whether an attempt (a {@link Link}) belongs to this phase. */
  boolean hasLink() {
    return this == CONNECTING || this == AWAITING_ACK || this == CONNECTED;
  }

  /**
   * The status the app sees in this phase. While the session has never been connected, waiting is
   * still "connecting"; after a connection, waiting to reconnect is {@code SUSPEND}. {@link #IDLE}
   * and {@link #CLOSED} have the status of the reason they were entered with, so they are not here.
   */
  ConnectionStatus status(boolean everConnected) {
    return switch (this) {
      case CONNECTING, AWAITING_ACK -> ConnectionStatus.CONNECTING;
      case CONNECTED -> ConnectionStatus.CONNECTED;
      case BACKOFF, REFRESHING_TOKEN -> everConnected ? ConnectionStatus.SUSPEND : ConnectionStatus.CONNECTING;
      case IDLE, CLOSED -> throw new IllegalArgumentException(this + " takes the status of its reason");
    };
  }
}
