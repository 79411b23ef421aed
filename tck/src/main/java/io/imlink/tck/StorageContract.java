package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.Conversation;
import io.imlink.api.ConversationType;
import io.imlink.api.Message;
import io.imlink.api.MessageDirection;
import io.imlink.api.MessageStatus;
import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.StoreLocation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link StorageProvider} must meet, as a JUnit 5 suite: a backend's tests extend
 * this class and supply the provider (grpc-java's {@code AbstractTransportTest} style). Every SPI
 * method, paging edges, de-duplication, unread counts, concurrent writers and readers, reopening,
 * isolation between users and app keys, and hostile user ids.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class StorageContract {
  protected static final String APP = "tck-app";
  protected static final String ME = "me";
  protected static final ConversationType PRIVATE = ConversationType.PRIVATE;

  /** The provider under test. Called once per test; stores opened again in a test use the same one. */
  protected abstract StorageProvider provider();

  @TempDir protected Path root;
  /** The data directory stores are opened under: {@code root/data}, so that {@code root} shows escapes. */
  protected Path dataDirectory;
  protected StorageProvider provider;
  protected MessageStore store;
  private final List<MessageStore> opened = new ArrayList<>();

  @BeforeEach
  void openStore() throws IOException {
    dataDirectory = Files.createDirectories(root.resolve("data"));
    provider = provider();
    store = open(APP, ME);
  }

  @AfterEach
  void closeStores() throws IOException {
    for (MessageStore s : opened) {
      s.close();
    }
  }

  /** Opens (and registers for closing) the store of {@code userId} of {@code appKey}. */
  protected MessageStore open(String appKey, String userId) throws IOException {
    MessageStore s = provider.open(new StoreLocation(appKey, userId, dataDirectory));
    opened.add(s);
    return s;
  }

  protected static <T> T done(CompletableFuture<T> f) throws Exception {
    return f.get(10, TimeUnit.SECONDS);
  }

  private static long time = 1_700_000_000_000L;

  /** A message received from {@code peer}, ordered at {@code order}. */
  protected static Message received(String peer, long order, String serverId) {
    return Message.builder().targetId(peer).direction(MessageDirection.RECEIVE).senderUserId(peer)
        .objectName("RC:TxtMsg").content("{\"content\":\"" + serverId + "\"}").clientMessageId("c-" + serverId)
        .serverMessageId(serverId).sentTime(order).orderKey(order).status(MessageStatus.RECEIVED)
        .localTime(time++).build();
  }

  /** A message this user is sending to {@code peer}, not yet acknowledged. */
  protected static Message sending(String peer, String clientId) {
    return Message.builder().targetId(peer).direction(MessageDirection.SEND).senderUserId(ME)
        .objectName("RC:TxtMsg").content("{\"content\":\"" + clientId + "\"}").clientMessageId(clientId)
        .localTime(time++).build();
  }

  // ---------------------------------------------------------------------------------------------

  @Test
  void theProviderIsNamedAndOpensAStore() {
    assertThat(provider.name()).isNotBlank();
    assertThat(store.providerName()).isEqualTo(provider.name());
  }

  @Test
  void settingsAndCursorsRoundTrip() throws Exception {
    assertThat(store.getSetting("k")).isEmpty();
    done(store.putSetting("k", "v1"));
    done(store.putSetting("k", "v2"));
    assertThat(store.getSetting("k")).contains("v2");
    done(store.putSetting("k", null));
    assertThat(store.getSetting("k")).isEmpty();
    done(store.putSetting("unicode \u00e9\u4e2d", "\u2603 \u0000 ok"));
    assertThat(store.getSetting("unicode \u00e9\u4e2d")).contains("\u2603 \u0000 ok");

    assertThat(store.getCursor("inbox")).isEqualTo(OptionalLong.empty());
    done(store.putCursor("inbox", 42));
    done(store.putCursor("inbox", Long.MAX_VALUE));
    assertThat(store.getCursor("inbox")).isEqualTo(OptionalLong.of(Long.MAX_VALUE));
  }

  @Test
  void insertAssignsIncreasingLocalIdsAndKeepsEveryField() throws Exception {
    Message a = received("alice", 10, "s-1");
    Message b = sending("alice", "c-me-1");
    List<Message> stored = done(store.insertMessages(List.of(a, b)));
    assertThat(stored).hasSize(2);
    assertThat(stored.get(0).localId()).isPositive();
    assertThat(stored.get(1).localId()).isGreaterThan(stored.get(0).localId());
    assertThat(stored.get(0)).isEqualTo(a.withLocalId(stored.get(0).localId()));
    assertThat(stored.get(1)).isEqualTo(b.withLocalId(stored.get(1).localId()));
    assertThat(store.findByLocalId(stored.get(0).localId())).contains(stored.get(0));
    assertThat(store.findByLocalId(999_999)).isEmpty();
    List<Message> more = done(store.insertMessages(List.of(received("bob", 11, "s-2"))));
    assertThat(more.get(0).localId()).isGreaterThan(stored.get(1).localId());
    assertThat(done(store.insertMessages(List.of()))).isEmpty();
  }

  @Test
  void duplicatesAreSkippedByServerIdAndByClientId() throws Exception {
    Message first = received("alice", 10, "s-1");
    assertThat(done(store.insertMessages(List.of(first)))).hasSize(1);
    // A second delivery of the same server message, alone and inside a batch.
    assertThat(done(store.insertMessages(List.of(received("alice", 10, "s-1"))))).isEmpty();
    List<Message> batch = done(store.insertMessages(List.of(received("alice", 11, "s-2"), received("alice", 10, "s-1"),
        received("alice", 11, "s-2"))));
    assertThat(batch).extracting(Message::serverMessageId).containsExactly("s-2");
    // The same client message id from the same sender, resent.
    assertThat(done(store.insertMessages(List.of(sending("alice", "c-9"))))).hasSize(1);
    assertThat(done(store.insertMessages(List.of(sending("alice", "c-9"))))).isEmpty();
    // ...but the same client id from another sender is another message.
    Message fromBob = Message.builder().targetId("bob").direction(MessageDirection.RECEIVE).senderUserId("bob")
        .objectName("RC:TxtMsg").content("{}").clientMessageId("c-9").serverMessageId("s-3").orderKey(12)
        .status(MessageStatus.RECEIVED).build();
    assertThat(done(store.insertMessages(List.of(fromBob)))).hasSize(1);

    assertThat(store.findByServerMessageId("s-2")).get().extracting(Message::orderKey).isEqualTo(11L);
    assertThat(store.findByServerMessageId("nope")).isEmpty();
    assertThat(store.findByClientMessageId(ME, "c-9")).get().extracting(Message::targetId).isEqualTo("alice");
    assertThat(store.findByClientMessageId("bob", "c-9")).get().extracting(Message::serverMessageId).isEqualTo("s-3");
    assertThat(store.findByClientMessageId("carol", "c-9")).isEmpty();
    assertThat(store.conversation(PRIVATE, "alice").orElseThrow().unreadCount()).isEqualTo(2);
  }

  @Test
  void historyPagesNewestFirstWithEveryEdge() throws Exception {
    assertThat(store.history(PRIVATE, "alice", null, 10)).isEmpty();
    List<Message> batch = new ArrayList<>();
    for (int i = 1; i <= 25; i++) {
      batch.add(received("alice", 100 + i, "s-" + i));
    }
    batch.add(received("bob", 50, "other"));
    done(store.insertMessages(batch));

    List<Message> page1 = store.history(PRIVATE, "alice", null, 10);
    assertThat(page1).extracting(Message::orderKey).containsExactly(125L, 124L, 123L, 122L, 121L, 120L, 119L, 118L, 117L, 116L);
    List<Message> page2 = store.history(PRIVATE, "alice", page1.get(9), 10);
    assertThat(page2).extracting(Message::orderKey).startsWith(115L).endsWith(106L).hasSize(10);
    List<Message> page3 = store.history(PRIVATE, "alice", page2.get(9), 10);
    assertThat(page3).extracting(Message::orderKey).containsExactly(105L, 104L, 103L, 102L, 101L);
    assertThat(store.history(PRIVATE, "alice", page3.get(4), 10)).isEmpty();
    assertThat(store.history(PRIVATE, "alice", null, 1000)).hasSize(25);
    assertThat(store.history(PRIVATE, "alice", null, 25)).hasSize(25);
    assertThat(store.history(PRIVATE, "bob", null, 5)).extracting(Message::serverMessageId).containsExactly("other");
    assertThatThrownBy(() -> store.history(PRIVATE, "alice", null, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void equalOrderKeysAreOrderedByLocalIdAndUnacknowledgedSendsComeLast() throws Exception {
    List<Message> stored = done(store.insertMessages(List.of(
        received("alice", 7, "a"), sending("alice", "pending-1"), received("alice", 7, "b"), received("alice", 9, "c"))));
    List<Message> newestFirst = store.history(PRIVATE, "alice", null, 10);
    assertThat(newestFirst).extracting(m -> m.serverMessageId() == null ? m.clientMessageId() : m.serverMessageId())
        .containsExactly("pending-1", "c", "b", "a");
    // Paging from a message among equal keys continues with the ones before it.
    assertThat(store.history(PRIVATE, "alice", stored.get(2), 10)).extracting(Message::serverMessageId).containsExactly("a");
    assertThat(store.conversation(PRIVATE, "alice").orElseThrow().lastMessage().clientMessageId()).isEqualTo("pending-1");
  }

  @Test
  void receivedMessagesAndTheirCursorAreStoredTogether() throws Exception {
    List<Message> stored = done(store.insertMessages(List.of(received("alice", 1, "s-1"), received("bob", 2, "s-2")),
        "inbox", 2));
    assertThat(stored).extracting(Message::serverMessageId).containsExactly("s-1", "s-2");
    assertThat(stored.get(1).localId()).isGreaterThan(stored.get(0).localId());
    assertThat(store.getCursor("inbox")).isEqualTo(OptionalLong.of(2));
    assertThat(store.conversation(PRIVATE, "alice").orElseThrow().unreadCount()).isEqualTo(1);
    // A redelivery stores nothing new, but the cursor still moves.
    assertThat(done(store.insertMessages(List.of(received("alice", 1, "s-1")), "inbox", 5))).isEmpty();
    assertThat(store.getCursor("inbox")).isEqualTo(OptionalLong.of(5));
    assertThat(store.conversation(PRIVATE, "alice").orElseThrow().unreadCount()).isEqualTo(1);
    assertThat(done(store.insertMessages(List.of(), "other", 7))).isEmpty();
    assertThat(store.getCursor("other")).isEqualTo(OptionalLong.of(7));
  }

  @Test
  void severalAcceptancesAreRecordedInInputOrder() throws Exception {
    List<Message> sends = done(store.insertMessages(List.of(sending("alice", "1"), sending("bob", "2"), sending("alice", "3"))));
    List<Optional<Message>> sent = done(store.markSent(List.of(
        new MessageStore.Sent(sends.get(2).localId(), "srv-3", 3_000, 33),
        new MessageStore.Sent(987_654, "srv-x", 1, 1),
        new MessageStore.Sent(sends.get(0).localId(), "srv-1", 1_000, 31))));
    assertThat(sent).hasSize(3);
    assertThat(sent.get(0)).get().extracting(Message::clientMessageId, Message::status, Message::serverMessageId,
        Message::sentTime, Message::orderKey).containsExactly("3", MessageStatus.SENT, "srv-3", 3_000L, 33L);
    assertThat(sent.get(1)).isEmpty();
    assertThat(sent.get(2)).get().extracting(Message::serverMessageId).isEqualTo("srv-1");
    assertThat(store.pendingSends(10)).extracting(Message::clientMessageId).containsExactly("2");
    assertThat(store.findByServerMessageId("srv-3")).isEqualTo(sent.get(0));
    assertThat(done(store.markSent(List.of()))).isEmpty();
  }

  @Test
  void anAcceptanceAnswersWithTheStoredRowWhetherSentBeforeOrAfterReopening() throws Exception {
    List<Message> sends = done(store.insertMessages(List.of(sending("alice", "early"), sending("alice", "late"),
        sending("bob", "failed-first"))));
    Optional<Message> early = done(store.markSent(sends.get(0).localId(), "srv-early", 1_000, 41));
    assertThat(early).isEqualTo(store.findByServerMessageId("srv-early")).get()
        .extracting(Message::content, Message::localTime).containsExactly(sends.get(0).content(), sends.get(0).localTime());
    done(store.markFailed(sends.get(2).localId(), 30016));
    Optional<Message> afterFailure = done(store.markSent(sends.get(2).localId(), "srv-retried", 3_000, 43));
    assertThat(afterFailure).isEqualTo(store.findByServerMessageId("srv-retried"));
    assertThat(afterFailure).get().extracting(Message::status, Message::errorCode).containsExactly(MessageStatus.SENT, 0);
    store.close();
    MessageStore reopened = open(APP, ME);
    Optional<Message> late = done(reopened.markSent(sends.get(1).localId(), "srv-late", 2_000, 42));
    assertThat(late).isEqualTo(reopened.findByServerMessageId("srv-late"));
    assertThat(late).get().extracting(Message::clientMessageId, Message::status).containsExactly("late", MessageStatus.SENT);
    assertThat(reopened.pendingSends(10)).isEmpty();
  }

  @Test
  void theOutboxHoldsUnacknowledgedSendsInOrderUntilSentOrFailed() throws Exception {
    List<Message> sends = done(store.insertMessages(List.of(sending("alice", "1"), sending("bob", "2"), sending("alice", "3"))));
    done(store.insertMessages(List.of(received("alice", 5, "r"))));
    assertThat(store.pendingSends(10)).extracting(Message::clientMessageId).containsExactly("1", "2", "3");
    assertThat(store.pendingSends(2)).extracting(Message::clientMessageId).containsExactly("1", "2");

    Optional<Message> sent = done(store.markSent(sends.get(0).localId(), "srv-1", 1_000, 20));
    assertThat(sent).get().satisfies(m -> {
      assertThat(m.status()).isEqualTo(MessageStatus.SENT);
      assertThat(m.serverMessageId()).isEqualTo("srv-1");
      assertThat(m.sentTime()).isEqualTo(1_000);
      assertThat(m.orderKey()).isEqualTo(20);
      assertThat(m.localId()).isEqualTo(sends.get(0).localId());
    });
    assertThat(store.findByServerMessageId("srv-1")).isEqualTo(sent);
    Optional<Message> failed = done(store.markFailed(sends.get(1).localId(), 30016));
    assertThat(failed).get().extracting(Message::status, Message::errorCode).containsExactly(MessageStatus.FAILED, 30016);
    assertThat(store.pendingSends(10)).extracting(Message::clientMessageId).containsExactly("3");
    assertThat(done(store.markSent(123_456, "x", 1, 1))).isEmpty();
    assertThat(done(store.markFailed(123_456, 1))).isEmpty();

    // Once ordered by the server, the sent message takes its place in the history.
    assertThat(store.history(PRIVATE, "alice", null, 10))
        .extracting(m -> m.clientMessageId())
        .containsExactly("3", "1", "c-r");
  }

  @Test
  void unreadCountsGrowWithReceivedMessagesAndMarkReadClearsThem() throws Exception {
    done(store.insertMessages(List.of(received("alice", 1, "a1"), received("alice", 2, "a2"), received("bob", 3, "b1"),
        sending("alice", "mine"))));
    assertThat(store.conversation(PRIVATE, "alice").orElseThrow().unreadCount()).isEqualTo(2);
    assertThat(store.conversation(PRIVATE, "bob").orElseThrow().unreadCount()).isEqualTo(1);
    assertThat(store.totalUnreadCount()).isEqualTo(3);

    assertThat(done(store.markRead(PRIVATE, "alice"))).isEqualTo(2);
    assertThat(done(store.markRead(PRIVATE, "alice"))).isZero();
    assertThat(done(store.markRead(PRIVATE, "nobody"))).isZero();
    assertThat(store.conversation(PRIVATE, "alice").orElseThrow().unreadCount()).isZero();
    assertThat(store.totalUnreadCount()).isEqualTo(1);
    assertThat(store.history(PRIVATE, "alice", null, 10))
        .filteredOn(m -> m.direction() == MessageDirection.RECEIVE)
        .extracting(Message::status)
        .containsOnly(MessageStatus.READ);
    // A message received already read does not count.
    Message alreadyRead = received("alice", 4, "a3").withStatus(MessageStatus.READ, 0);
    done(store.insertMessages(List.of(alreadyRead)));
    assertThat(store.conversation(PRIVATE, "alice").orElseThrow().unreadCount()).isZero();
  }

  @Test
  void conversationsAreListedByTheirLastMessage() throws Exception {
    assertThat(store.conversations(10)).isEmpty();
    assertThat(store.conversation(PRIVATE, "alice")).isEmpty();
    done(store.insertMessages(List.of(received("alice", 1, "a1"), received("bob", 2, "b1"), received("carol", 3, "c1"))));
    assertThat(store.conversations(10)).extracting(Conversation::targetId).containsExactly("carol", "bob", "alice");
    done(store.insertMessages(List.of(received("alice", 4, "a2"))));
    assertThat(store.conversations(10)).extracting(Conversation::targetId).containsExactly("alice", "carol", "bob");
    assertThat(store.conversations(2)).hasSize(2);
    Conversation alice = store.conversations(1).get(0);
    assertThat(alice.lastMessage().serverMessageId()).isEqualTo("a2");
    assertThat(alice.unreadCount()).isEqualTo(2);
    assertThat(alice.type()).isEqualTo(PRIVATE);
  }

  @Test
  void writersAndReadersCanWorkAtOnce() throws Exception {
    int writers = 4;
    int perWriter = 500;
    AtomicBoolean stop = new AtomicBoolean();
    List<Throwable> errors = new CopyOnWriteArrayList<>();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      int writer = w;
      threads.add(new Thread(() -> {
        try {
          start.await();
          List<CompletableFuture<List<Message>>> pending = new ArrayList<>();
          for (int i = 0; i < perWriter; i++) {
            pending.add(store.insertMessages(List.of(received("peer" + writer, writer * 100_000L + i, "w" + writer + "-" + i))));
          }
          for (CompletableFuture<List<Message>> f : pending) {
            assertThat(f.get(30, TimeUnit.SECONDS)).hasSize(1);
          }
        } catch (Throwable t) {
          errors.add(t);
        }
      }));
    }
    for (int r = 0; r < 2; r++) {
      threads.add(new Thread(() -> {
        try {
          start.await();
          int last = 0;
          while (!stop.get()) {
            int total = store.totalUnreadCount();
            assertThat(total).isGreaterThanOrEqualTo(last); // committed writes never disappear
            last = total;
            store.history(PRIVATE, "peer0", null, 50);
            store.conversations(10);
          }
        } catch (Throwable t) {
          errors.add(t);
        }
      }));
    }
    threads.forEach(Thread::start);
    start.countDown();
    for (Thread t : threads.subList(0, writers)) {
      t.join();
    }
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    assertThat(errors).isEmpty();
    assertThat(store.totalUnreadCount()).isEqualTo(writers * perWriter);
    for (int w = 0; w < writers; w++) {
      List<Message> all = store.history(PRIVATE, "peer" + w, null, perWriter + 1);
      assertThat(all).hasSize(perWriter);
      // Each writer's messages are in its order.
      for (int i = 1; i < all.size(); i++) {
        assertThat(all.get(i - 1).orderKey()).isGreaterThan(all.get(i).orderKey());
      }
    }
  }

  @Test
  void writesOfOneThreadAreAppliedInCallOrder() throws Exception {
    Message m = done(store.insertMessages(List.of(sending("alice", "x")))).get(0);
    // Not waiting in between: mark failed, then sent — the last call wins.
    CompletableFuture<Optional<Message>> f1 = store.markFailed(m.localId(), 30003);
    CompletableFuture<Optional<Message>> f2 = store.markSent(m.localId(), "s", 5, 5);
    CompletableFuture<Void> f3 = store.putSetting("k", "1");
    CompletableFuture<Void> f4 = store.putSetting("k", "2");
    done(CompletableFuture.allOf(f1, f2, f3, f4));
    assertThat(store.findByLocalId(m.localId())).get().extracting(Message::status).isEqualTo(MessageStatus.SENT);
    assertThat(store.getSetting("k")).contains("2");
  }

  @Test
  void closingAndReopeningKeepsTheData() throws Exception {
    List<Message> stored = done(store.insertMessages(List.of(received("alice", 1, "a1"), sending("alice", "out"))));
    done(store.putCursor("inbox", 7));
    done(store.putSetting("k", "v"));
    store.close();
    store.close(); // idempotent
    assertThatThrownBy(() -> store.getSetting("k")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> store.insertMessages(List.of())).isInstanceOf(IllegalStateException.class);

    MessageStore again = open(APP, ME);
    assertThat(again.findByLocalId(stored.get(0).localId())).contains(stored.get(0));
    assertThat(again.pendingSends(10)).containsExactly(stored.get(1));
    assertThat(again.getCursor("inbox")).isEqualTo(OptionalLong.of(7));
    assertThat(again.getSetting("k")).contains("v");
    assertThat(again.conversation(PRIVATE, "alice").orElseThrow().unreadCount()).isEqualTo(1);
    List<Message> next = done(again.insertMessages(List.of(received("alice", 2, "a2"))));
    assertThat(next.get(0).localId()).isGreaterThan(stored.get(1).localId());
  }

  @Test
  void closeFinishesTheWritesAlreadyCalled() throws Exception {
    List<CompletableFuture<List<Message>>> pending = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      pending.add(store.insertMessages(List.of(received("alice", i, "m" + i))));
    }
    store.close();
    for (CompletableFuture<List<Message>> f : pending) {
      assertThat(f).isCompleted();
      assertThat(f.get()).hasSize(1);
    }
    assertThat(open(APP, ME).history(PRIVATE, "alice", null, 500)).hasSize(200);
  }

  @Test
  void writesOnTheEnginesExecutorReturnAtOnceAndCloseAppliesWhatIsStillQueued() throws Exception {
    java.util.concurrent.BlockingQueue<Runnable> tasks = new java.util.concurrent.LinkedBlockingQueue<>();
    MessageStore s = provider.open(new StoreLocation(APP, "on-executor", dataDirectory), tasks::add);
    CompletableFuture<List<Message>> first = s.insertMessages(List.of(received("alice", 1, "x1")));
    boolean usesExecutor = !tasks.isEmpty();
    if (usesExecutor) {
      assertThat(first).as("a write is queued on the executor, not run in the call").isNotDone();
    }
    // The executor: one thread of ours, one task at a time.
    Thread[] ranOn = new Thread[1];
    Thread runner = new Thread(() -> {
      Runnable task;
      while ((task = tasks.poll()) != null) {
        task.run();
      }
    }, "tck-write-executor");
    first.thenRun(() -> ranOn[0] = Thread.currentThread());
    runner.start();
    runner.join(10_000);
    assertThat(done(first)).hasSize(1);
    if (usesExecutor) {
      assertThat(ranOn[0]).as("futures complete on the executor").isSameAs(runner);
    }
    // Writes still queued when the store closes (the engine's loop may be stopping) are applied by close().
    CompletableFuture<Void> second = s.putSetting("k", "v");
    CompletableFuture<List<Message>> third = s.insertMessages(List.of(received("alice", 2, "x2")));
    s.close();
    assertThat(second).isCompleted();
    assertThat(third.get()).hasSize(1);
    for (Runnable stale : tasks) {
      stale.run(); // a task left on the executor after close is harmless
    }
    MessageStore again = open(APP, "on-executor");
    assertThat(again.getSetting("k")).contains("v");
    assertThat(again.history(PRIVATE, "alice", null, 10)).hasSize(2);
  }

  @Test
  void usersAndAppKeysAreIsolated() throws Exception {
    done(store.insertMessages(List.of(received("alice", 1, "mine"))));
    done(store.putSetting("k", "me"));
    MessageStore other = open(APP, "someone-else");
    MessageStore otherApp = open("another-app", ME);
    for (MessageStore s : List.of(other, otherApp)) {
      assertThat(s.history(PRIVATE, "alice", null, 10)).isEmpty();
      assertThat(s.getSetting("k")).isEmpty();
      assertThat(s.findByServerMessageId("mine")).isEmpty();
      done(s.insertMessages(List.of(received("alice", 1, "mine")))); // the same server id is fine elsewhere
    }
    assertThat(store.history(PRIVATE, "alice", null, 10)).hasSize(1);
  }

  @Test
  void hostileUserIdsStayInsideTheDataDirectoryAndApart() throws Exception {
    Path outside = root;
    List<String> before = listing(outside);
    String[] hostile = {"..", "../escape", "a/b", "/abs", "nul\u0000byte", ".", "CON", "Alice", "alice", "\u00e9\u4e2d",
        "x".repeat(64), "back\\slash", " spaced ", "~tilde"};
    List<MessageStore> stores = new ArrayList<>();
    for (int i = 0; i < hostile.length; i++) {
      MessageStore s;
      try {
        s = open(APP, hostile[i]);
      } catch (IOException refused) {
        continue; // refusing an id is allowed; escaping or mixing is not
      }
      done(s.putSetting("who", hostile[i]));
      stores.add(s);
    }
    assertThat(stores).as("ordinary ids such as 'alice' are accepted").isNotEmpty();
    for (MessageStore s : stores) {
      String who = s.getSetting("who").orElseThrow();
      assertThat(s.getSetting("who")).as("store of %s", who).contains(who);
    }
    assertThat(listing(outside)).as("nothing written next to the data directory").isEqualTo(before);
    // An over-long id is either refused or kept apart from its prefix.
    try {
      MessageStore longId = open(APP, "y".repeat(300));
      done(longId.putSetting("who", "long"));
      assertThat(open(APP, "y".repeat(299)).getSetting("who")).isEmpty();
    } catch (IOException refused) {
      assertThat(refused).hasMessageContaining("user id");
    }
  }

  private static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
