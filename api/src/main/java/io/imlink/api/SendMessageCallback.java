package io.imlink.api;

/**
 * Follows one sent message: stored locally, then accepted by the server or failed.
 *
 * <p>Thread: called on the engine's callback executor, in order with the engine's other callbacks.
 * Call count: {@link #onStored} at most once, then exactly one of {@link #onSent} or {@link
 * #onFailed} — possibly much later (a message stored while offline goes out on reconnect, even
 * after a restart of the app, in which case the callbacks of the earlier run are not called). An
 * exception thrown here is logged and contained.
 */
public interface SendMessageCallback {
  /** The message is in the local store with status SENDING (and in the outbox). */
  default void onStored(Message message) {}

  /** The server accepted the message: status SENT, with its server id, time and order. */
  void onSent(Message message);

  /**
   * The message could not be sent: status FAILED.
   *
   * @param code why: 30016 content too large, 33003 a bad argument refused by the server, 33002 the
   *     local store failed, 30014 the server could not store it
   */
  void onFailed(Message message, int code);
}
