package io.imlink.api;

import java.net.URI;
import java.time.Duration;

/**
 * Told the steps of an engine's connection work, in more detail than its {@link ConnectionStatus}:
 * every attempt and its outcome, every reconnect scheduled with its delay, every heartbeat check
 * with the time until the next, every ping and pong. For metrics (attempts per server, time to
 * connect, round-trip times), diagnostics and tests that drive an engine on a fake clock and must
 * know when it waits for which timer, as OkHttp's {@code EventListener} serves its calls.
 *
 * <p>Every method has an empty default: implement the ones you need. Several listeners may be
 * registered ({@link ImEngine#addConnectionEventListener}); each sees every event once, in order.
 *
 * <p>Thread: called on the engine's callback executor, never on an I/O thread or the caller's
 * thread, in order with the engine's other callbacks: an event is reported after the engine has
 * done what it describes (a timer it names is armed before its event is delivered). Must not block
 * for long. An exception it throws is logged and contained, and the other listeners are still
 * called.
 */
public interface ConnectionEventListener {
  /** An attempt to reach {@code server} begins (a transport connect, then the handshake). */
  default void attemptStarted(URI server) {}

  /** The attempt to reach {@code server} failed before a connection was established, with {@code code}. */
  default void attemptFailed(URI server, int code) {}

  /**
   * A connection to {@code server} is established and authenticated.
   *
   * @param pingInterval the heartbeat's ping interval on this connection
   */
  default void connected(URI server, Duration pingInterval) {}

  /** The established connection to {@code server} was lost with {@code code}; a reconnect follows unless it is final. */
  default void connectionLost(URI server, int code) {}

  /**
   * The next attempt cycle is scheduled.
   *
   * @param delay from now until the cycle starts
   * @param failedCycles the failed cycles since the last success, this one included
   * @param code why the last attempt failed
   */
  default void reconnectScheduled(Duration delay, int failedCycles, int code) {}

  /** The token was refused with {@code code}; the engine asked its {@link TokenProvider} for a fresh one. */
  default void tokenRefreshStarted(int code) {}

  /**
   * The heartbeat armed its next look at the live connection, due in {@code delay}. It looks at
   * least this often to notice a paused process, and pings when the ping interval has passed.
   */
  default void heartbeatScheduled(Duration delay) {}

  /**
   * A ping went out.
   *
   * @param id the ping's id, echoed by its pong
   * @param pongTimeout how long the engine waits for the pong before it drops the connection (30013)
   */
  default void pingSent(long id, Duration pongTimeout) {}

  /** The pong of ping {@code id} arrived in time. */
  default void pongReceived(long id) {}
}
