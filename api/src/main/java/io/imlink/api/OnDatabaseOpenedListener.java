package io.imlink.api;

/**
 * Told that the signed-in user's local database was opened, as the first callback of every accepted
 * {@link ImEngine#connect connect} call whose token names a user.
 *
 * <p>Thread: called on the engine's callback executor, never on an I/O thread or the caller's thread,
 * in order with the engine's other callbacks. Called at most once per accepted {@code connect}, always
 * before {@link OnConnectedListener#onConnected}. Must not block for long: it holds up later
 * callbacks. An exception it throws is logged and contained.
 */
@FunctionalInterface
public interface OnDatabaseOpenedListener {
  /**
   * @param code 0 when the user's store opened; {@link ErrorCode#DATABASE_ERROR 33002} when it could
   *     not be opened, in which case the engine continues with an in-memory store for this session and
   *     connecting goes on
   */
  void onDatabaseOpened(int code);
}
