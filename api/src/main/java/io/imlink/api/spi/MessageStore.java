package io.imlink.api.spi;

import io.imlink.api.Conversation;
import io.imlink.api.ConversationType;
import io.imlink.api.Message;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;

/**
 * The local store of one user of one app, opened by a {@link StorageProvider}: messages,
 * conversations (last message, unread count), the outbox of unacknowledged sends, sync cursors and
 * small settings.
 *
 * <p><b>Writes</b> return at once with a future. They are applied one after another in the order
 * they were called (calls from one thread keep their order; calls from several threads are
 * serialised), and a backend may apply several in one transaction. A write's effects are durable
 * (they survive the process being killed) when its future completes; a failed write completes its
 * future exceptionally with an {@link IOException} and leaves the other writes of a batch
 * untouched.
 *
 * <p><b>Reads</b> block the caller only for the read itself — never behind pending writes — and
 * see every write whose future has completed.
 *
 * <p><b>Order.</b> Messages of a conversation are ordered by {@link Message#orderKey()}, then
 * {@link Message#localId()}. Order keys are comparable across conversations (the server's global
 * order), so conversations are listed by their last message in that order.
 *
 * <p><b>Threads.</b> Every method may be called from any thread, concurrently. The engine calls
 * them from its own threads, never from a transport I/O thread or the callback executor. After
 * {@link #close()} every method throws {@link IllegalStateException}.
 */
public interface MessageStore extends AutoCloseable {

  /** The name of the provider that opened this store, such as {@code "sqlite"}. */
  String providerName();

  // ---- writes ----------------------------------------------------------------------------------

  /**
   * Stores new messages (their local ids are ignored) in one transaction.
   *
   * <p>De-duplication: a message is skipped if a stored message has the same {@link
   * Message#serverMessageId()}, or the same {@link Message#senderUserId()} and {@link
   * Message#clientMessageId()} (both non-null), or if an earlier message of the same batch does.
   * A received message with status {@link io.imlink.api.MessageStatus#RECEIVED} adds one to its
   * conversation's unread count.
   *
   * @return the future of the stored messages, in input order, with their local ids (increasing);
   *     skipped duplicates are left out
   */
  CompletableFuture<List<Message>> insertMessages(List<Message> messages);

  /**
   * Stores received messages and moves a sync cursor past them, as one write: the cursor is never
   * stored without the messages (a backend that can, uses one transaction). De-duplication and
   * unread counts as {@link #insertMessages(List)}; the cursor moves even if every message was a
   * duplicate.
   *
   * <p>The default calls {@link #insertMessages(List)}, then {@link #putCursor} once it succeeded.
   *
   * @return the future of the stored messages, as {@link #insertMessages(List)}
   */
  default CompletableFuture<List<Message>> insertMessages(List<Message> messages, String cursorName, long cursorValue) {
    return insertMessages(messages).thenCompose(stored -> putCursor(cursorName, cursorValue).thenApply(v -> stored));
  }

  /**
   * Records the server's acceptance of a sent message: status SENT, the server's id, time and
   * order. The message leaves the outbox.
   *
   * @return the future of the updated message, or empty if no message has that local id
   */
  CompletableFuture<Optional<Message>> markSent(long localId, String serverMessageId, long sentTime, long orderKey);

  /** The server's acceptance of one sent message, for {@link #markSent(List)}. */
  record Sent(long localId, String serverMessageId, long sentTime, long orderKey) {}

  /**
   * Records several acceptances as {@link #markSent(long, String, long, long)} does, as one write
   * where the backend can (one transaction instead of one per message).
   *
   * <p>The default calls {@link #markSent(long, String, long, long)} for each.
   *
   * @return the future of the updated messages, in input order, each empty if no message has that
   *     local id
   */
  default CompletableFuture<List<Optional<Message>>> markSent(List<Sent> sent) {
    List<CompletableFuture<Optional<Message>>> each = new ArrayList<>(sent.size());
    for (Sent s : sent) {
      each.add(markSent(s.localId(), s.serverMessageId(), s.sentTime(), s.orderKey()));
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
  }

  /**
   * Marks a sent message FAILED with an error code. The message leaves the outbox.
   *
   * @return the future of the updated message, or empty if no message has that local id
   */
  CompletableFuture<Optional<Message>> markFailed(long localId, int errorCode);

  /**
   * Marks every received message of a conversation READ and its unread count zero.
   *
   * @return the future of how many messages were unread
   */
  CompletableFuture<Integer> markRead(ConversationType type, String targetId);

  /** Stores a sync cursor (a position in a server-side stream). */
  CompletableFuture<Void> putCursor(String name, long value);

  /** Stores a small setting; a null value removes it. */
  CompletableFuture<Void> putSetting(String key, String value);

  // ---- reads -----------------------------------------------------------------------------------

  /** The message with this local id. */
  Optional<Message> findByLocalId(long localId) throws IOException;

  /** The message a sender identified with this client message id. */
  Optional<Message> findByClientMessageId(String senderUserId, String clientMessageId) throws IOException;

  /** The message the server identified with this id. */
  Optional<Message> findByServerMessageId(String serverMessageId) throws IOException;

  /**
   * A page of a conversation's history, newest first.
   *
   * @param before only messages strictly before this one in the conversation's order; null for the
   *     newest
   * @param limit at most this many; at least 1
   * @throws IllegalArgumentException if {@code limit < 1}
   */
  List<Message> history(ConversationType type, String targetId, Message before, int limit) throws IOException;

  /** The conversations, the one with the latest last message first; at most {@code limit}. */
  List<Conversation> conversations(int limit) throws IOException;

  /** One conversation, if it has any message. */
  Optional<Conversation> conversation(ConversationType type, String targetId) throws IOException;

  /** The unread count over every conversation. */
  int totalUnreadCount() throws IOException;

  /** The outbox: sent messages still SENDING, in local id order; at most {@code limit}. */
  List<Message> pendingSends(int limit) throws IOException;

  /** A sync cursor, if stored. */
  OptionalLong getCursor(String name) throws IOException;

  /** A small setting, if stored. */
  Optional<String> getSetting(String key) throws IOException;

  /**
   * Finishes the writes already called (their futures complete), then releases the store's files
   * and threads. Blocks until done. Idempotent.
   */
  @Override
  void close() throws IOException;
}
