package io.imlink.core.internal;

import io.imlink.api.Message;
import io.imlink.api.SendMessageCallback;
import io.imlink.api.spi.MessageStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The signed-in user's side of the engine, from the store's opening to its closing: the store, the
 * user id, the outbox (messages sent and not yet acknowledged by the server, in the order they
 * were sent: those of earlier sessions, stored, then this session's, stored or being stored)
 * and the inbox cursor (the server sequence stored, or being stored). One per opened store; a
 * second user, or the same one after a sign-out, gets a new one.
 *
 * <p>Thread: the engine's loop.
 */
final class UserSession {
  /**
   * A message sent and not yet settled, with whoever waits for its outcome. It is written to the
   * store and to the network at the same time; {@link #stored} tells whether the store's write
   * committed, and {@link #ack} keeps a server acknowledgement that came before it did.
   */
  static final class Outgoing {
    /** The message: as built by the send, then as stored (with its local id). */
    Message message;
    final SendMessageCallback callback;
    final CompletableFuture<Message> future;
    boolean stored;
    /** The server's answer, when it came before the commit; settled once the commit is done. */
    io.imlink.protocol.v1.PublishAck ack;

    Outgoing(Message message, SendMessageCallback callback, CompletableFuture<Message> future, boolean stored) {
      this.message = message;
      this.callback = callback;
      this.future = future;
      this.stored = stored;
    }
  }

  final MessageStore store;
  final String userId;
  final Map<String, Outgoing> outbox = new LinkedHashMap<>(); // by client message id
  long cursor;
  private boolean closed;

  UserSession(MessageStore store, String userId) {
    this.store = store;
    this.userId = userId;
  }

  /** Whether its store was closed (a late store completion then only reports, it changes nothing). */
  boolean isClosed() {
    return closed;
  }

  void markClosed() {
    closed = true;
  }
}
