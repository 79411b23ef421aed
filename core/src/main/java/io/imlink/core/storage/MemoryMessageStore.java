package io.imlink.core.storage;

import io.imlink.api.Conversation;
import io.imlink.api.ConversationType;
import io.imlink.api.Message;
import io.imlink.api.MessageDirection;
import io.imlink.api.MessageStatus;
import io.imlink.api.spi.MessageStore;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The in-memory {@link MessageStore}: every operation takes one lock on the user's data and
 * completes at once (writes return completed futures).
 */
final class MemoryMessageStore implements MessageStore {
  /** The order of a conversation: order key, then local id. */
  static final Comparator<Message> ORDER =
      Comparator.comparingLong(Message::orderKey).thenComparingLong(Message::localId);

  private record ConversationKey(ConversationType type, String targetId) {
    static ConversationKey of(Message m) {
      return new ConversationKey(m.conversationType(), m.targetId());
    }
  }

  /** One user's data, shared by every store opened on it. Guarded by itself. */
  static final class Data {
    long nextLocalId = 1;
    final Map<Long, Message> byLocalId = new HashMap<>();
    final Map<String, Long> byServerId = new HashMap<>();
    final Map<String, Long> byClientId = new HashMap<>();
    final Map<ConversationKey, NavigableSet<Message>> history = new HashMap<>();
    final Map<ConversationKey, Integer> unread = new HashMap<>();
    final TreeMap<Long, Message> outbox = new TreeMap<>();
    final Map<String, Long> cursors = new HashMap<>();
    final Map<String, String> settings = new HashMap<>();
  }

  private final Data data;
  private volatile boolean closed;

  MemoryMessageStore(Data data) {
    this.data = data;
  }

  @Override
  public String providerName() {
    return MemoryStorageProvider.NAME;
  }

  private <T> T locked(Supplier<T> body) {
    if (closed) {
      throw new IllegalStateException("store is closed");
    }
    synchronized (data) {
      return body.get();
    }
  }

  private <T> CompletableFuture<T> write(Supplier<T> body) {
    return CompletableFuture.completedFuture(locked(body));
  }

  private static String clientKey(String sender, String clientId) {
    return sender + '\u0000' + clientId;
  }

  @Override
  public CompletableFuture<List<Message>> insertMessages(List<Message> messages) {
    return write(() -> {
      List<Message> stored = new ArrayList<>(messages.size());
      for (Message m : messages) {
        if (m.serverMessageId() != null && data.byServerId.containsKey(m.serverMessageId())) {
          continue;
        }
        String ck = m.clientMessageId() == null ? null : clientKey(m.senderUserId(), m.clientMessageId());
        if (ck != null && data.byClientId.containsKey(ck)) {
          continue;
        }
        Message s = m.withLocalId(data.nextLocalId++);
        index(s);
        if (ck != null) {
          data.byClientId.put(ck, s.localId());
        }
        if (s.direction() == MessageDirection.RECEIVE && s.status() == MessageStatus.RECEIVED) {
          data.unread.merge(ConversationKey.of(s), 1, Integer::sum);
        }
        stored.add(s);
      }
      return stored;
    });
  }

  /** Adds or replaces a message in every index but the client-id one. */
  private void index(Message s) {
    Message old = data.byLocalId.put(s.localId(), s);
    ConversationKey key = ConversationKey.of(s);
    NavigableSet<Message> conv = data.history.computeIfAbsent(key, k -> new TreeSet<>(ORDER));
    if (old != null) {
      conv.remove(old);
    }
    conv.add(s);
    if (s.serverMessageId() != null) {
      data.byServerId.put(s.serverMessageId(), s.localId());
    }
    if (s.status() == MessageStatus.SENDING) {
      data.outbox.put(s.localId(), s);
    } else {
      data.outbox.remove(s.localId());
    }
  }

  @Override
  public CompletableFuture<Optional<Message>> markSent(long localId, String serverMessageId, long sentTime, long orderKey) {
    return write(() -> {
      Message m = data.byLocalId.get(localId);
      if (m == null) {
        return Optional.empty();
      }
      Message sent = m.withSent(serverMessageId, sentTime, orderKey);
      index(sent);
      return Optional.of(sent);
    });
  }

  @Override
  public CompletableFuture<Optional<Message>> markFailed(long localId, int errorCode) {
    return write(() -> {
      Message m = data.byLocalId.get(localId);
      if (m == null) {
        return Optional.empty();
      }
      Message failed = m.withStatus(MessageStatus.FAILED, errorCode);
      index(failed);
      return Optional.of(failed);
    });
  }

  @Override
  public CompletableFuture<Integer> markRead(ConversationType type, String targetId) {
    return write(() -> {
      ConversationKey key = new ConversationKey(type, targetId);
      Integer unread = data.unread.remove(key);
      NavigableSet<Message> conv = data.history.get(key);
      if (conv != null) {
        List<Message> read = new ArrayList<>();
        for (Message m : conv) {
          if (m.status() == MessageStatus.RECEIVED) {
            read.add(m.withStatus(MessageStatus.READ, 0));
          }
        }
        read.forEach(this::index);
      }
      return unread == null ? 0 : unread;
    });
  }

  @Override
  public CompletableFuture<Void> putCursor(String name, long value) {
    return write(() -> {
      data.cursors.put(name, value);
      return null;
    });
  }

  @Override
  public CompletableFuture<Void> putSetting(String key, String value) {
    return write(() -> {
      if (value == null) {
        data.settings.remove(key);
      } else {
        data.settings.put(key, value);
      }
      return null;
    });
  }

  @Override
  public Optional<Message> findByLocalId(long localId) {
    return locked(() -> Optional.ofNullable(data.byLocalId.get(localId)));
  }

  @Override
  public Optional<Message> findByClientMessageId(String senderUserId, String clientMessageId) {
    return locked(() -> Optional.ofNullable(data.byClientId.get(clientKey(senderUserId, clientMessageId)))
        .map(data.byLocalId::get));
  }

  @Override
  public Optional<Message> findByServerMessageId(String serverMessageId) {
    return locked(() -> Optional.ofNullable(data.byServerId.get(serverMessageId)).map(data.byLocalId::get));
  }

  @Override
  public List<Message> history(ConversationType type, String targetId, Message before, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    return locked(() -> {
      NavigableSet<Message> conv = data.history.get(new ConversationKey(type, targetId));
      if (conv == null) {
        return List.of();
      }
      Iterator<Message> it = (before == null ? conv : conv.headSet(before, false)).descendingIterator();
      List<Message> page = new ArrayList<>(Math.min(limit, conv.size()));
      while (it.hasNext() && page.size() < limit) {
        page.add(it.next());
      }
      return page;
    });
  }

  @Override
  public List<Conversation> conversations(int limit) {
    return locked(() -> {
      List<Conversation> all = new ArrayList<>();
      for (Map.Entry<ConversationKey, NavigableSet<Message>> e : data.history.entrySet()) {
        if (!e.getValue().isEmpty()) {
          all.add(new Conversation(e.getKey().type(), e.getKey().targetId(), e.getValue().last(),
              data.unread.getOrDefault(e.getKey(), 0)));
        }
      }
      all.sort(Comparator.comparing(Conversation::lastMessage, ORDER).reversed());
      return all.size() > limit ? List.copyOf(all.subList(0, limit)) : all;
    });
  }

  @Override
  public Optional<Conversation> conversation(ConversationType type, String targetId) {
    return locked(() -> {
      ConversationKey key = new ConversationKey(type, targetId);
      NavigableSet<Message> conv = data.history.get(key);
      if (conv == null || conv.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(new Conversation(type, targetId, conv.last(), data.unread.getOrDefault(key, 0)));
    });
  }

  @Override
  public int totalUnreadCount() {
    return locked(() -> data.unread.values().stream().mapToInt(Integer::intValue).sum());
  }

  @Override
  public List<Message> pendingSends(int limit) {
    return locked(() -> data.outbox.values().stream().limit(limit).toList());
  }

  @Override
  public OptionalLong getCursor(String name) {
    return locked(() -> {
      Long v = data.cursors.get(name);
      return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    });
  }

  @Override
  public Optional<String> getSetting(String key) {
    return locked(() -> Optional.ofNullable(data.settings.get(key)));
  }

  @Override
  public void close() {
    closed = true;
  }
}
