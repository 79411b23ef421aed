package io.imlink.core.internal;

import io.imlink.api.Message;
import io.imlink.api.SendMessageCallback;
import io.imlink.api.spi.MessageStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The signed-in user's side of the engine, from the store's opening to its closing: the store, the
 * user id, the outbox (messages stored and not yet acknowledged by the server, in local id order)
 * and the inbox cursor (the server sequence stored, or being stored). One per opened store; a
 * second user, or the same one after a sign-out, gets a new one.
 *
 * <p>Thread: the engine's loop.
 */
final class UserSession {
  /** A message waiting for the server's acknowledgement, with whoever waits for its outcome. */
  record Outgoing(Message message, SendMessageCallback callback, CompletableFuture<Message> future) {}

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
