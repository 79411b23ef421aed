package io.imlink.api;

/**
 * Told the result of a {@link ImEngine#connect connect} call.
 *
 * <p>Call count: exactly once for every {@code connect} call that returned 0, and never for one that
 * did not. Later reconnects, successful or not, are reported through {@link ConnectionStatusListener}
 * only.
 *
 * <p>Thread: called on the engine's callback executor, never on an I/O thread or the caller's thread,
 * in order with the engine's other callbacks. Must not block for long. An exception it throws is
 * logged and contained.
 */
@FunctionalInterface
public interface OnConnectedListener {
  /**
   * @param code 0 on success; otherwise the {@link ErrorCode} that ended the attempt: a final server
   *     refusal (31004, 31002, 31009, 31001…), {@link ErrorCode#CONNECT_TIMEOUT 34006} when the
   *     call's {@code timeout} ran out, or {@link ErrorCode#CHANNEL_INVALID 30001} when
   *     {@link ImEngine#disconnect()} or {@link ImEngine#close()} cancelled it
   * @param userId the connected user's id on success; the empty string on error
   */
  void onConnected(int code, String userId);
}
