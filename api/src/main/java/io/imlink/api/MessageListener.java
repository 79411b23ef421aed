package io.imlink.api;

/**
 * Told of every message received, once, after it is stored locally.
 *
 * <p>Thread: called on the engine's callback executor, in order with the engine's other callbacks.
 * Call count: once per message; a message the server delivers twice (after a lost acknowledgement)
 * is recognised by its server id and not reported again. An exception thrown here is logged and
 * contained, and the other listeners are still called.
 */
@FunctionalInterface
public interface MessageListener {
  /**
   * @param message the stored message (status RECEIVED)
   * @param left how many more messages of the current offline sync are still coming (0 for a live
   *     message or the last of a sync)
   * @param offline whether the message was stored by the server while this user was away
   */
  void onMessageReceived(Message message, int left, boolean offline);
}
