package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.Conversation;
import io.imlink.api.ConversationType;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.MessageDirection;
import io.imlink.api.MessageSendException;
import io.imlink.api.MessageStatus;
import io.imlink.api.ReconnectPolicy;
import io.imlink.api.SendMessageCallback;
import io.imlink.api.Limits;
import io.imlink.server.ImServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Messaging after connect, as a JUnit 5 suite run by every transport: send, receive, offline
 * delivery in batches, the outbox across drops, de-duplication of resends, history and unread
 * counts, messages from the app server — nothing lost, nothing duplicated.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
public abstract class MessagingContract extends EngineFixture {
  protected static final ConversationType PRIVATE = ConversationType.PRIVATE;

  /** A user: an engine, its probe, and every message its listener received. */
  protected final class User {
    final String id;
    final ImEngine engine;
    final EngineProbe probe;
    final List<Message> received = new CopyOnWriteArrayList<>();
    final List<Integer> lefts = new CopyOnWriteArrayList<>();
    final List<Boolean> offline = new CopyOnWriteArrayList<>();

    User(String id, ImEngine.Builder builder) {
      this.id = id;
      this.engine = build(builder);
      this.probe = EngineProbe.attach(engine);
      engine.addMessageListener((m, left, off) -> {
        received.add(m);
        lefts.add(left);
        offline.add(off);
      });
    }

    User connect() throws Exception {
      int mark = probe.size();
      assertThat(engine.connect(api.getToken(id), 0)).isZero();
      probe.awaitStatus(ConnectionStatus.CONNECTED, mark);
      return this;
    }

    void awaitReceived(int n) throws InterruptedException {
      Await.until(id + " received " + n + " (has " + received.size() + ")", () -> received.size() >= n, Duration.ofSeconds(60));
    }
  }

  protected User user(String id) {
    return user(id, engine(serverUri()));
  }

  /** A user built from {@code builder}, storing under its own directory. */
  protected User user(String id, ImEngine.Builder builder) {
    return new User(id, builder.dataDirectory(tmp.resolve("client-" + id)));
  }

  /** An engine reaching the server through {@code proxy}, retrying every {@code retry}. */
  protected ImEngine.Builder through(FaultProxy proxy, Duration retry) {
    return engine(serverUriAt(proxy.address())).reconnectPolicy(ReconnectPolicy.fixed(retry));
  }

  protected static String text(String s) {
    return "{\"content\":\"" + s + "\"}";
  }

  @Test
  void aMessageIsStoredSentReceivedAndInBothHistories() throws Exception {
    startServer();
    User alice = user("alice").connect();
    User bob = user("bob").connect();
    List<String> events = new CopyOnWriteArrayList<>();
    CompletableFuture<Message> sent = new CompletableFuture<>();
    int code = alice.engine.sendMessage("bob", "RC:TxtMsg", text("hi bob"), new SendMessageCallback() {
      @Override
      public void onStored(Message m) {
        events.add("stored " + m.status());
      }

      @Override
      public void onSent(Message m) {
        events.add("sent " + m.status());
        sent.complete(m);
      }

      @Override
      public void onFailed(Message m, int c) {
        events.add("failed " + c);
      }
    });
    assertThat(code).isZero();
    Message m = sent.get(10, TimeUnit.SECONDS);
    assertThat(events).containsExactly("stored SENDING", "sent SENT");
    assertThat(m.serverMessageId()).isNotBlank();
    assertThat(m.orderKey()).isPositive().isLessThan(Message.UNORDERED);
    assertThat(m.sentTime()).isPositive();

    bob.awaitReceived(1);
    Message r = bob.received.get(0);
    assertThat(r.serverMessageId()).isEqualTo(m.serverMessageId());
    assertThat(r.orderKey()).isEqualTo(m.orderKey());
    assertThat(r.senderUserId()).isEqualTo("alice");
    assertThat(r.targetId()).isEqualTo("alice");
    assertThat(r.direction()).isEqualTo(MessageDirection.RECEIVE);
    assertThat(r.status()).isEqualTo(MessageStatus.RECEIVED);
    assertThat(r.content()).isEqualTo(text("hi bob"));
    assertThat(r.clientMessageId()).isEqualTo(m.clientMessageId());
    assertThat(bob.lefts).containsExactly(0);
    assertThat(bob.offline).containsExactly(false);

    assertThat(alice.engine.getHistory(PRIVATE, "bob", null, 10)).containsExactly(m);
    assertThat(bob.engine.getHistory(PRIVATE, "alice", null, 10)).containsExactly(r);
    Conversation c = bob.engine.getConversations(10).get(0);
    assertThat(c.targetId()).isEqualTo("alice");
    assertThat(c.unreadCount()).isEqualTo(1);
    assertThat(bob.engine.getTotalUnreadCount()).isEqualTo(1);
    assertThat(bob.engine.markRead(PRIVATE, "alice").get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(bob.engine.getTotalUnreadCount()).isZero();
    assertThat(alice.engine.getConversations(10).get(0).unreadCount()).isZero();
  }

  @Test
  void badSendsAreRefusedAtOnce() throws Exception {
    startServer();
    User alice = user("alice");
    assertThat(alice.engine.sendMessage("bob", "RC:TxtMsg", "{}", null)).as("before connect").isEqualTo(33001);
    alice.connect();
    assertThat(alice.engine.sendMessage(null, "RC:TxtMsg", "{}", null)).isEqualTo(33003);
    assertThat(alice.engine.sendMessage(" ", "RC:TxtMsg", "{}", null)).isEqualTo(33003);
    assertThat(alice.engine.sendMessage("bob", "", "{}", null)).isEqualTo(33003);
    assertThat(alice.engine.sendMessage("bob", "RC:TxtMsg", null, null)).isEqualTo(33003);
    assertThat(alice.engine.sendMessage("b".repeat(65), "RC:TxtMsg", "{}", null)).isEqualTo(33003);
    String big = "x".repeat(Limits.MAX_CONTENT_BYTES + 1);
    assertThat(alice.engine.sendMessage("bob", "RC:TxtMsg", big, null)).isEqualTo(30016);
    CompletableFuture<Message> f = alice.engine.sendMessage("bob", "RC:TxtMsg", big);
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(MessageSendException.class);
    assertThat(((MessageSendException) e.getCause()).code()).isEqualTo(30016);
    // A content of exactly 128 KB goes through.
    String max = "y".repeat(Limits.MAX_CONTENT_BYTES);
    assertThat(alice.engine.sendMessage("bob", "RC:TxtMsg", max).get(10, TimeUnit.SECONDS).status())
        .isEqualTo(MessageStatus.SENT);
  }

  @Test
  void offlineMessagesArriveInBatchesWithTheCountLeftAndInTheServersOrder() throws Exception {
    startServer();
    User alice = user("alice").connect();
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 0; i < 450; i++) {
      sends.add(alice.engine.sendMessage("bob", "RC:TxtMsg", text("m" + i)));
    }
    for (CompletableFuture<Message> f : sends) {
      f.get(30, TimeUnit.SECONDS);
    }
    User bob = user("bob").connect();
    bob.awaitReceived(450);
    assertThat(bob.offline).containsOnly(true);
    assertThat(bob.lefts.get(0)).isEqualTo(449);
    assertThat(bob.lefts.get(449)).isZero();
    for (int i = 0; i < 450; i++) {
      assertThat(bob.lefts.get(i)).isEqualTo(449 - i);
      assertThat(bob.received.get(i).content()).isEqualTo(text("m" + i));
      assertThat(bob.received.get(i).orderKey()).isEqualTo(sends.get(i).get().orderKey());
    }
    assertThat(bob.engine.getConversations(10).get(0).unreadCount()).isEqualTo(450);
    // A live message after the sync.
    alice.engine.sendMessage("bob", "RC:TxtMsg", text("live")).get(10, TimeUnit.SECONDS);
    bob.awaitReceived(451);
    assertThat(bob.offline.get(450)).isFalse();
  }

  /** Content of exactly {@code bytes} UTF-8 bytes, tagged with {@code tag}; some of it multi-byte. */
  protected static String sized(String tag, int bytes, boolean multiByte) {
    StringBuilder b = new StringBuilder(bytes).append(tag).append(':');
    int left = bytes - b.length();
    if (left < 0) {
      return tag.substring(0, bytes);
    }
    if (multiByte) {
      b.append("€".repeat(left / 3)); // three bytes each
      left %= 3;
    }
    return b.append("x".repeat(left)).toString();
  }

  @Test
  void aBacklogOfLargeMessagesArrivesWholeAndInOrder() throws Exception {
    startServer();
    User alice = user("alice").connect();
    List<String> contents = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      contents.add(sized("big" + i, 120 * 1024, i == 1));
      alice.engine.sendMessage("bob", "RC:TxtMsg", contents.get(i)).get(30, TimeUnit.SECONDS);
    }
    // Three 120 KB messages are ~369 KB: more than one frame of 256 KiB may carry.
    User bob = user("bob").connect();
    bob.awaitReceived(3);
    assertThat(bob.received).extracting(Message::content).containsExactlyElementsOf(contents);
    assertThat(bob.lefts).containsExactly(2, 1, 0);
    assertThat(bob.offline).containsOnly(true);
    assertThat(bob.probe.statusTrace()).as("the link stayed up").containsExactly("CONNECTING(0)", "CONNECTED(0)");
  }

  @Test
  void messagesOfEverySizeUpToTheLimitArriveOnceInOrderOfflineAndOnline() throws Exception {
    startServer();
    User alice = user("alice").connect();
    java.util.SplittableRandom random = new java.util.SplittableRandom(500);
    java.util.function.IntFunction<String> next = i -> {
      int pick = random.nextInt(10);
      int bytes = pick == 0 ? Limits.MAX_CONTENT_BYTES                  // the largest allowed
          : pick <= 2 ? random.nextInt(16 * 1024, Limits.MAX_CONTENT_BYTES)
          : random.nextInt(1, 2 * 1024);                                 // down to one byte
      return sized("m" + i, bytes, random.nextInt(4) == 0);
    };
    int n = 500;
    List<String> offline = new ArrayList<>();
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      offline.add(next.apply(i));
      sends.add(alice.engine.sendMessage("bob", "RC:TxtMsg", offline.get(i)));
    }
    for (CompletableFuture<Message> f : sends) {
      f.get(60, TimeUnit.SECONDS);
    }
    User bob = user("bob").connect();
    bob.awaitReceived(n);
    assertThat(bob.received).extracting(Message::content).containsExactlyElementsOf(offline);
    for (int i = 0; i < n; i++) {
      assertThat(bob.lefts.get(i)).as("left after message %d", i).isEqualTo(n - 1 - i);
    }

    List<String> online = new ArrayList<>();
    sends.clear();
    for (int i = 0; i < n; i++) {
      online.add(next.apply(n + i));
      sends.add(alice.engine.sendMessage("bob", "RC:TxtMsg", online.get(i)));
    }
    for (CompletableFuture<Message> f : sends) {
      f.get(60, TimeUnit.SECONDS);
    }
    bob.awaitReceived(2 * n);
    assertThat(bob.received.subList(n, 2 * n)).extracting(Message::content).containsExactlyElementsOf(online);
    assertThat(bob.received).extracting(Message::serverMessageId).doesNotHaveDuplicates().hasSize(2 * n);
    assertThat(bob.probe.statusTrace()).as("the link stayed up").containsExactly("CONNECTING(0)", "CONNECTED(0)");
  }

  @Test
  void sendsMadeWhileDisconnectedWaitInTheOutboxAndGoOutInOrder() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    User alice = user("alice", through(proxy, Duration.ofMillis(50)));
    alice.connect();
    User bob = user("bob").connect();
    proxy.refuse(true);
    proxy.drop();
    alice.probe.awaitStatus(ConnectionStatus.SUSPEND);
    List<CompletableFuture<Message>> sends = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sends.add(alice.engine.sendMessage("bob", "RC:TxtMsg", text("offline " + i)));
    }
    Await.until("20 messages stored", () -> alice.engine.getHistory(PRIVATE, "bob", null, 50).size() == 20);
    assertThat(alice.engine.getHistory(PRIVATE, "bob", null, 50)).extracting(Message::status).containsOnly(MessageStatus.SENDING);
    assertThat(sends).noneMatch(CompletableFuture::isDone);

    proxy.refuse(false);
    for (CompletableFuture<Message> f : sends) {
      assertThat(f.get(30, TimeUnit.SECONDS).status()).isEqualTo(MessageStatus.SENT);
    }
    bob.awaitReceived(20);
    for (int i = 0; i < 20; i++) {
      assertThat(bob.received.get(i).content()).isEqualTo(text("offline " + i));
    }
  }

  @Test
  void aResendAfterALostAcknowledgementIsNotStoredTwice() throws Exception {
    startServer();
    FaultProxy proxy = proxyToServer();
    User alice = user("alice", through(proxy, Duration.ofMillis(50)));
    alice.connect();
    User bob = user("bob").connect();

    proxy.freezeDownstream(); // the publish reaches the server; its acknowledgement does not come back
    CompletableFuture<Message> f = alice.engine.sendMessage("bob", "RC:TxtMsg", text("once"));
    bob.awaitReceived(1);
    long published = server.stats().messagesPublished();
    assertThat(f).isNotDone();
    proxy.reset(); // the connection dies with the acknowledgement in it
    proxy.thaw();
    Message sent = f.get(30, TimeUnit.SECONDS); // the outbox resent it on the new connection
    assertThat(sent.serverMessageId()).isEqualTo(bob.received.get(0).serverMessageId());
    assertThat(server.stats().messagesPublished()).as("the resend was recognised").isEqualTo(published);
    alice.engine.sendMessage("bob", "RC:TxtMsg", text("after")).get(10, TimeUnit.SECONDS);
    bob.awaitReceived(2);
    assertThat(bob.received).extracting(Message::content).containsExactly(text("once"), text("after"));
    assertThat(bob.engine.getHistory(PRIVATE, "alice", null, 10)).hasSize(2);
  }

  @Test
  void messagesFromTheAppServerAreDelivered() throws Exception {
    startServer();
    User bob = user("bob").connect();
    api.publishPrivate("system", List.of("bob", "carol"), "RC:TxtMsg", text("welcome"));
    bob.awaitReceived(1);
    assertThat(bob.received.get(0).senderUserId()).isEqualTo("system");
    assertThat(bob.received.get(0).clientMessageId()).isNull();
    User carol = user("carol").connect(); // offline when it was sent
    carol.awaitReceived(1);
    assertThat(carol.received.get(0).serverMessageId()).isEqualTo(bob.received.get(0).serverMessageId());
    assertThat(carol.offline).containsExactly(true);
  }

  @Test
  void theInboxSurvivesAServerRestartAndTheOutboxAnEngineRestart() throws Exception {
    Path serverData = tmp.resolve("server");
    startServer(b -> b.dataDirectory(serverData));
    User alice = user("alice").connect();
    alice.engine.sendMessage("bob", "RC:TxtMsg", text("kept")).get(10, TimeUnit.SECONDS);
    server.close();
    // While the server is down alice writes again, then quits.
    alice.probe.awaitStatus(ConnectionStatus.SUSPEND);
    assertThat(alice.engine.sendMessage("bob", "RC:TxtMsg", text("queued"), null)).isZero();
    Await.until("stored", () -> alice.engine.getHistory(PRIVATE, "bob", null, 10).size() == 2);
    alice.engine.close();

    startServer(b -> b.dataDirectory(serverData));
    User again = new User("alice", engine(serverUri()).dataDirectory(tmp.resolve("client-alice")));
    again.connect(); // the outbox of the earlier run goes out
    User bob = user("bob").connect();
    bob.awaitReceived(2);
    assertThat(bob.received).extracting(Message::content).containsExactly(text("kept"), text("queued"));
    Await.until("alice's outbox is empty", () -> again.engine.getHistory(PRIVATE, "bob", null, 10).stream()
        .allMatch(m -> m.status() == MessageStatus.SENT));
  }

  /**
   * Two clients exchange 10,000 messages while their links are dropped, frozen and the server is
   * restarted: every message arrives once, in order, and ends SENT at its sender.
   */
  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void tenThousandMessagesSurviveDropsFreezesAndRestartsExactlyOnceInOrder() throws Exception {
    Path serverData = tmp.resolve("server");
    startServer(b -> b.dataDirectory(serverData));
    var listen = serverUri();
    FaultProxy pa = proxyToServer();
    FaultProxy pb = proxyToServer();
    java.util.function.Function<FaultProxy, ImEngine.Builder> fast = p -> through(p, Duration.ofMillis(20))
        .pingInterval(Duration.ofMillis(500)).pongTimeout(Duration.ofMillis(300));
    User alice = user("alice", fast.apply(pa));
    User bob = user("bob", fast.apply(pb));
    alice.connect();
    bob.connect();

    int perSide = 5_000;
    List<CompletableFuture<Message>> aliceSends = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<Message>> bobSends = Collections.synchronizedList(new ArrayList<>());
    Thread chaos = new Thread(() -> {
      java.util.SplittableRandom random = new java.util.SplittableRandom(42);
      try {
        for (int round = 0; round < 12; round++) {
          Thread.sleep(150 + random.nextInt(150));
          switch (round % 4) {
            case 0 -> (random.nextBoolean() ? pa : pb).drop();
            case 1 -> {
              FaultProxy p = random.nextBoolean() ? pa : pb;
              p.freeze();
              Thread.sleep(1_000); // past ping + pong timeout: detected as dead
              p.thaw();
            }
            case 2 -> pa.reset();
            default -> {
              server.close();
              Thread.sleep(100);
              server = closeLater(serverBuilder().app(APP_KEY, APP_SECRET).listen(listen).dataDirectory(serverData).build().start());
            }
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "chaos");
    chaos.start();
    for (int i = 0; i < perSide; i++) {
      aliceSends.add(alice.engine.sendMessage("bob", "RC:TxtMsg", text("a" + i)));
      bobSends.add(bob.engine.sendMessage("alice", "RC:TxtMsg", text("b" + i)));
      if (i % 500 == 0) {
        Thread.sleep(50); // spread the sends over the faults
      }
    }
    chaos.join();
    assertThat(pa.acceptedCount() + pb.acceptedCount()).as("the faults forced reconnects").isGreaterThan(4);
    List<Message> aliceSent = new ArrayList<>();
    for (CompletableFuture<Message> f : aliceSends) {
      aliceSent.add(f.get(120, TimeUnit.SECONDS));
    }
    List<Message> bobSent = new ArrayList<>();
    for (CompletableFuture<Message> f : bobSends) {
      bobSent.add(f.get(120, TimeUnit.SECONDS));
    }
    bob.awaitReceived(perSide);
    alice.awaitReceived(perSide);

    for (var pair : List.of(new Object[] {aliceSent, bob}, new Object[] {bobSent, alice})) {
      @SuppressWarnings("unchecked")
      List<Message> sent = (List<Message>) pair[0];
      User receiver = (User) pair[1];
      assertThat(sent).extracting(Message::status).containsOnly(MessageStatus.SENT);
      Set<String> ids = new HashSet<>();
      for (Message m : receiver.received) {
        assertThat(ids.add(m.serverMessageId())).as("received twice: %s", m.content()).isTrue();
      }
      assertThat(ids).containsExactlyInAnyOrderElementsOf(sent.stream().map(Message::serverMessageId).toList());
      // The server's order is the send order, and the receiver's history follows it.
      for (int i = 1; i < sent.size(); i++) {
        assertThat(sent.get(i).orderKey()).as("order of message %d", i).isGreaterThan(sent.get(i - 1).orderKey());
      }
      List<Message> history = receiver.engine.getHistory(PRIVATE, sent.get(0).senderUserId(), null, 3 * perSide).stream()
          .filter(m -> m.direction() == MessageDirection.RECEIVE).toList();
      assertThat(history).hasSize(perSide);
      for (int i = 0; i < perSide; i++) {
        assertThat(history.get(perSide - 1 - i).serverMessageId()).isEqualTo(sent.get(i).serverMessageId());
      }
    }
  }
}
