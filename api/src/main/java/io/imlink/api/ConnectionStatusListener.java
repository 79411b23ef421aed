package io.imlink.api;

/**
 * Told every change of an engine's {@link ConnectionStatus}.
 *
 * <p>Several listeners may be registered; each sees every transition, in order, once. Register before
 * calling {@link ImEngine#connect connect} so that none is missed.
 *
 * <p>Thread: called on the engine's callback executor, never on an I/O thread or the caller's thread,
 * in order with the engine's other callbacks. Must not block for long. An exception it throws is
 * logged and contained, and the other listeners are still called.
 */
@FunctionalInterface
public interface ConnectionStatusListener {
  /**
   * @param status the new status
   * @param reasonCode why it changed: 0, or an {@link ErrorCode} value (for example 30011 for a
   *     closed socket behind {@link ConnectionStatus#SUSPEND}, 31004 behind
   *     {@link ConnectionStatus#TOKEN_INCORRECT})
   */
  void onConnectionStatusChanged(ConnectionStatus status, int reasonCode);
}
