package io.imlink.api;

import java.util.Optional;

/**
 * The state of an engine's connection, as reported to {@link ConnectionStatusListener}s and by
 * {@link ImEngine#getConnectionStatus()}.
 *
 * <p>The numeric {@link #code()} values are stable and equal to the commercial SDK's Android values.
 * Every status change is reported together with a reason code from {@link ErrorCode} (0 when the
 * change has no error behind it).
 *
 * <p>Typical sequences:
 * <ul>
 *   <li>first connect: {@code UNCONNECTED → CONNECTING → CONNECTED};
 *   <li>a dropped connection: {@code CONNECTED → SUSPEND(reason) → CONNECTING → CONNECTED};
 *   <li>a final refusal: {@code CONNECTING → TOKEN_INCORRECT(31004)} (or {@code CONN_USER_BLOCKED},
 *       {@code KICKED_OFFLINE_BY_OTHER_CLIENT}, {@code UNCONNECTED} with the code);
 *   <li>the {@code timeout} of {@code connect} running out: {@code CONNECTING → TIMEOUT(34006)};
 *   <li>{@link ImEngine#disconnect()}: {@code → SIGN_OUT(0)}.
 * </ul>
 *
 * <p>Thread safety: an immutable enum, usable from any thread.
 */
public enum ConnectionStatus {
  /** The network is unavailable; the engine will reconnect when it returns. */
  NETWORK_UNAVAILABLE(-1),
  /** Connected and authenticated. */
  CONNECTED(0),
  /** Connecting or reconnecting. */
  CONNECTING(1),
  /** Not connected, and not trying to be: before the first connect, or after a final error. */
  UNCONNECTED(2),
  /** Kicked offline because another device of the same class logged in (31010). Final. */
  KICKED_OFFLINE_BY_OTHER_CLIENT(3),
  /** The token is invalid, expired or revoked (31004 / 31020). Final: a new token is needed. */
  TOKEN_INCORRECT(4),
  /** The user is blocked (31009). Final. */
  CONN_USER_BLOCKED(6),
  /** Signed out by {@link ImEngine#disconnect()} or {@link ImEngine#close()}. Final. */
  SIGN_OUT(12),
  /** The connection was lost; the engine is about to reconnect by itself. */
  SUSPEND(13),
  /** The {@code timeout} of {@code connect} ran out before a connection was made (34006). Final. */
  TIMEOUT(14);

  private final int code;

  ConnectionStatus(int code) {
    this.code = code;
  }

  /** The stable numeric value (the commercial SDK's Android value). */
  public int code() {
    return code;
  }

  /**
   * Whether the engine is working on a connection in this status: {@link #CONNECTED},
   * {@link #CONNECTING}, {@link #SUSPEND} or {@link #NETWORK_UNAVAILABLE}. In every other status it
   * stays idle until {@link ImEngine#connect} is called again.
   */
  public boolean isActive() {
    return this == CONNECTED || this == CONNECTING || this == SUSPEND || this == NETWORK_UNAVAILABLE;
  }

  /** The constant with the given numeric value, or empty if the value is unknown. */
  public static Optional<ConnectionStatus> find(int code) {
    for (ConnectionStatus s : values()) {
      if (s.code == code) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }
}
