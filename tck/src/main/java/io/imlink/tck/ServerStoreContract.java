package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.protocol.DeliverPages;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.server.spi.InboxStore;
import io.imlink.server.spi.ServerStateStore;
import io.imlink.server.spi.ServerStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract of a server storage backend ({@link io.imlink.server.spi.ServerStoreProvider}): what
 * its inbox, state and nonces must do, whatever keeps them. A backend's test extends it and says how
 * to open a store on the test's data; a backend that several server processes may share extends
 * {@link SharedServerStoreContract} instead.
 *
 * <p>Among the tests: two stores opened on the same data, as two server processes, publish at once
 * to the same recipients; every recipient's sequences must be 1..n with no gap and no repeat, and
 * every message must be there exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class ServerStoreContract {
  protected static final String APP = "store-app";
  private final List<ServerStore> opened = new ArrayList<>();

  /**
   * A new store on this test's data: every call within one test opens the same data (as another
   * server process, or the same one restarted), and each test starts with empty data.
   */
  protected abstract ServerStore openStore(RandomGenerator random) throws IOException;

  /** A store opened by {@link #openStore}, closed after the test. */
  protected final ServerStore store() throws IOException {
    ServerStore s = openStore(new SplittableRandom());
    opened.add(s);
    return s;
  }

  @AfterEach
  void closeStores() {
    for (ServerStore s : opened) {
      s.close();
    }
    opened.clear();
  }

  protected static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  protected static InboxStore.Published publish(InboxStore inbox, String from, List<String> to, String content,
      String clientId, long now) throws Exception {
    return await(inbox.publish(APP, from, to, "RC:TxtMsg", content, clientId, now));
  }

  /** A read for {@link Await#until}: a store's checked exception fails the test. */
  protected static boolean read(java.util.concurrent.Callable<Boolean> check) {
    try {
      return check.call();
    } catch (Exception e) {
      throw new AssertionError("a store read failed", e);
    }
  }

  /** Every message of {@code user}'s inbox, read page by page. */
  protected static List<DeliveredMessage> all(InboxStore inbox, String user) throws IOException {
    List<DeliveredMessage> out = new ArrayList<>();
    long after = 0;
    while (true) {
      InboxStore.Page page = inbox.fetch(APP, user, after, 500, 1 << 20);
      out.addAll(page.messages());
      if (page.messages().isEmpty()) {
        assertThat(page.left()).as("nothing left after an empty page").isZero();
        return out;
      }
      after = page.messages().get(page.messages().size() - 1).getSeq();
    }
  }

  @Test
  void aMessageIsStoredForEachRecipientWithItsOwnSequence() throws Exception {
    InboxStore inbox = store().inbox();
    InboxStore.Published first = publish(inbox, "alice", List.of("bob"), "hi bob", "c1", 1_000);
    InboxStore.Published both = publish(inbox, "alice", List.of("bob", "carol"), "hi both", "c2", 2_000);
    assertThat(first.duplicate()).isFalse();
    assertThat(first.serverTime()).isEqualTo(1_000);
    assertThat(first.deliveries()).extracting(InboxStore.Delivery::userId).containsExactly("bob");
    assertThat(both.deliveries()).extracting(d -> d.userId() + ":" + d.message().getSeq()).containsExactly("bob:2", "carol:1");
    assertThat(both.order()).isGreaterThan(first.order());
    assertThat(both.messageId()).isNotEqualTo(first.messageId()).hasSize(24);

    InboxStore.Page page = inbox.fetch(APP, "bob", 0, 10, 1 << 20);
    assertThat(page.left()).isZero();
    assertThat(page.messages()).extracting(DeliveredMessage::getSeq).containsExactly(1L, 2L);
    DeliveredMessage m = page.messages().get(1);
    assertThat(m.getMessageId()).isEqualTo(both.messageId());
    assertThat(m.getFromUserId()).isEqualTo("alice");
    assertThat(m.getObjectName()).isEqualTo("RC:TxtMsg");
    assertThat(m.getContent()).isEqualTo("hi both");
    assertThat(m.getServerTimeMs()).isEqualTo(2_000);
    assertThat(m.getOrder()).isEqualTo(both.order());
    assertThat(m.getClientMessageId()).isEqualTo("c2");
    assertThat(both.deliveries().get(0).message()).isEqualTo(m);
    assertThat(inbox.fetch(APP, "carol", 0, 10, 1 << 20).messages()).extracting(DeliveredMessage::getContent)
        .containsExactly("hi both");
    assertThat(inbox.fetch(APP, "dave", 0, 10, 1 << 20).messages()).isEmpty();
  }

  @Test
  void pagesAreBoundedByCountAndBytesAndSayHowManyAreLeft() throws Exception {
    InboxStore inbox = store().inbox();
    for (int i = 1; i <= 5; i++) {
      publish(inbox, "alice", List.of("bob"), "x".repeat(100 * i), null, i);
    }
    InboxStore.Page two = inbox.fetch(APP, "bob", 0, 2, 1 << 20);
    assertThat(two.messages()).extracting(DeliveredMessage::getSeq).containsExactly(1L, 2L);
    assertThat(two.left()).isEqualTo(3);
    InboxStore.Page rest = inbox.fetch(APP, "bob", 2, 100, 1 << 20);
    assertThat(rest.messages()).extracting(DeliveredMessage::getSeq).containsExactly(3L, 4L, 5L);
    assertThat(rest.left()).isZero();

    List<DeliveredMessage> all = inbox.fetch(APP, "bob", 0, 100, 1 << 20).messages();
    int firstTwo = DeliverPages.cost(all.get(0)) + DeliverPages.cost(all.get(1));
    InboxStore.Page byBytes = inbox.fetch(APP, "bob", 0, 100, firstTwo);
    assertThat(byBytes.messages()).extracting(DeliveredMessage::getSeq).containsExactly(1L, 2L);
    assertThat(byBytes.left()).isEqualTo(3);
    assertThatThrownBy(() -> inbox.fetch(APP, "bob", 4, 100, DeliverPages.cost(all.get(4)) - 1))
        .as("a message that alone exceeds the page").isInstanceOf(IOException.class);
  }

  @Test
  void aResendIsFoundAgainNotStoredTwice() throws Exception {
    InboxStore inbox = store().inbox();
    InboxStore.Published first = publish(inbox, "alice", List.of("bob"), "once", "same-id", 1_000);
    InboxStore.Published again = publish(inbox, "alice", List.of("bob"), "once", "same-id", 2_000);
    assertThat(again.duplicate()).isTrue();
    assertThat(again.deliveries()).isEmpty();
    assertThat(again.messageId()).isEqualTo(first.messageId());
    assertThat(again.order()).isEqualTo(first.order());
    assertThat(again.serverTime()).isEqualTo(1_000);
    // Another sender, or no client id, is another message.
    assertThat(publish(inbox, "carol", List.of("bob"), "once", "same-id", 3_000).duplicate()).isFalse();
    assertThat(publish(inbox, "alice", List.of("bob"), "no id", null, 4_000).duplicate()).isFalse();
    assertThat(publish(inbox, "alice", List.of("bob"), "no id", null, 5_000).duplicate()).isFalse();
    assertThat(all(inbox, "bob")).extracting(DeliveredMessage::getSeq).containsExactly(1L, 2L, 3L, 4L);
  }

  @Test
  void resendsWithinOneBurstAreOneMessage() throws Exception {
    InboxStore inbox = store().inbox();
    List<CompletableFuture<InboxStore.Published>> burst = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      burst.add(inbox.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "m" + (i % 5), "c" + (i % 5), 1_000 + i));
    }
    Set<String> ids = new HashSet<>();
    int fresh = 0;
    for (CompletableFuture<InboxStore.Published> f : burst) {
      InboxStore.Published p = await(f);
      ids.add(p.messageId());
      fresh += p.duplicate() ? 0 : 1;
    }
    assertThat(ids).hasSize(5);
    assertThat(fresh).isEqualTo(5);
    assertThat(all(inbox, "bob")).extracting(DeliveredMessage::getSeq).containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void acknowledgementsKeepTheHighest() throws Exception {
    InboxStore inbox = store().inbox();
    assertThat(inbox.acknowledged(APP, "bob", "phone")).isZero();
    inbox.ack(APP, "bob", "phone", 5);
    inbox.ack(APP, "bob", "phone", 3);
    inbox.ack(APP, "bob", "tablet", 1);
    Await.until("acknowledgements recorded",
        () -> read(() -> inbox.acknowledged(APP, "bob", "phone") == 5 && inbox.acknowledged(APP, "bob", "tablet") == 1),
        Duration.ofSeconds(10));
    // A write after the acks is ordered after them: none is still pending to lower the value later.
    await(inbox.prune(0));
    assertThat(inbox.acknowledged(APP, "bob", "phone")).isEqualTo(5);
  }

  @Test
  void pruningDropsWhatIsOlderThanTheRetention() throws Exception {
    InboxStore inbox = store().inbox();
    publish(inbox, "alice", List.of("bob"), "old", "c1", 1_000);
    publish(inbox, "alice", List.of("bob", "carol"), "new", "c2", 5_000);
    assertThat(await(inbox.prune(3_000))).isEqualTo(1);
    assertThat(all(inbox, "bob")).extracting(DeliveredMessage::getContent).containsExactly("new");
    assertThat(all(inbox, "carol")).extracting(DeliveredMessage::getSeq).containsExactly(1L);
    // Sequences go on from where they were.
    assertThat(publish(inbox, "alice", List.of("bob"), "next", "c3", 6_000).deliveries().get(0).message().getSeq())
        .isEqualTo(3);
  }

  @Test
  void everythingSurvivesAReopen() throws Exception {
    ServerStore first = openStore(new SplittableRandom());
    InboxStore.Published p;
    try {
      p = publish(first.inbox(), "alice", List.of("bob"), "kept", "c1", 1_000);
      first.inbox().ack(APP, "bob", "phone", 1);
      await(first.inbox().prune(0)); // after the ack
      first.state().upsertUser(APP, "bob", "Bob", null, 1);
      first.state().revokeTokens(APP, "bob", 700);
      first.state().block(APP, "carol", 9_000);
    } finally {
      first.close();
    }
    ServerStore again = store();
    assertThat(all(again.inbox(), "bob")).extracting(DeliveredMessage::getMessageId).containsExactly(p.messageId());
    assertThat(again.inbox().acknowledged(APP, "bob", "phone")).isEqualTo(1);
    assertThat(again.state().userExists(APP, "bob")).isTrue();
    assertThat(again.state().revokedBefore(APP, "bob")).isEqualTo(700);
    assertThat(again.state().isBlocked(APP, "carol", 8_999)).isTrue();
    assertThat(publish(again.inbox(), "alice", List.of("bob"), "next", "c2", 2_000).deliveries().get(0).message().getSeq())
        .isEqualTo(2);
    assertThat(publish(again.inbox(), "alice", List.of("bob"), "kept", "c1", 3_000).duplicate()).isTrue();
  }

  @Test
  void usersRevocationsAndBlocks() throws Exception {
    ServerStateStore state = store().state();
    assertThat(state.userExists(APP, "bob")).isFalse();
    state.upsertUser(APP, "bob", "Bob", "https://example.com/bob.png", 1);
    state.upsertUser(APP, "bob", null, null, 2);
    assertThat(state.userExists(APP, "bob")).isTrue();
    assertThat(state.userExists("other-app", "bob")).isFalse();

    assertThat(state.revokedBefore(APP, "bob")).isEqualTo(Long.MIN_VALUE);
    state.revokeTokens(APP, "bob", 1_000);
    state.revokeTokens(APP, "bob", 500);
    assertThat(state.revokedBefore(APP, "bob")).as("never moves back").isEqualTo(1_000);

    state.block(APP, "carol", 10_000);
    assertThat(state.isBlocked(APP, "carol", 9_999)).isTrue();
    assertThat(state.isBlocked(APP, "carol", 10_000)).as("the block ends on time").isFalse();
    assertThat(state.isBlocked("other-app", "carol", 0)).isFalse();
    state.unblock(APP, "carol");
    assertThat(state.isBlocked(APP, "carol", 0)).isFalse();
    assertThat(state.staleness().isNegative()).as("staleness %s", state.staleness()).isFalse();
  }

  @Test
  void aNonceIsUsedOnceWithinItsRetention() throws Exception {
    ServerStore s = store();
    assertThat(s.nonces().firstUse(APP + "\nn1", 1_000, 600_000)).isTrue();
    assertThat(s.nonces().firstUse(APP + "\nn1", 601_000, 600_000)).as("a replay at the retention's end").isFalse();
    assertThat(s.nonces().firstUse(APP + "\nn2", 1_000, 600_000)).isTrue();
    assertThat(s.nonces().firstUse(APP + "\nn1", 601_001, 600_000)).as("after it").isTrue();
  }

  /**
   * Two stores on the same data, as two server processes, four threads each, publish at once to the
   * same recipients (and each to one of its own): per recipient, sequences are 1..n with no gap and
   * no repeat, and every message is there once, in its sender's order.
   */
  @Test
  void twoStoresPublishingAtOnceKeepEverySequenceUniqueAndGapless() throws Exception {
    List<InboxStore> stores = List.of(store().inbox(), store().inbox());
    int threadsPerStore = 4;
    int perThread = 250;
    List<String> shared = List.of("r1", "r2", "r3", "r4", "r5");
    ExecutorService pool = Executors.newFixedThreadPool(stores.size() * threadsPerStore);
    CountDownLatch start = new CountDownLatch(1);
    Map<String, List<String>> sentTo = new ConcurrentHashMap<>();
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int s = 0; s < stores.size(); s++) {
        for (int t = 0; t < threadsPerStore; t++) {
          InboxStore inbox = stores.get(s);
          String sender = "s" + s + "t" + t;
          running.add(pool.submit(() -> {
            start.await();
            List<CompletableFuture<InboxStore.Published>> mine = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
              List<String> to = new ArrayList<>(List.of(shared.get(i % shared.size()), "own-" + sender));
              if (i % 7 == 0) {
                to.add(shared.get((i + 2) % shared.size()));
              }
              mine.add(inbox.publish(APP, sender, to, "RC:TxtMsg", sender + "#" + i, sender + "-" + i, i));
              if (i % 50 == 49) {
                for (CompletableFuture<InboxStore.Published> f : mine) {
                  f.get(60, TimeUnit.SECONDS); // bursts of 50 in flight
                }
              }
            }
            for (CompletableFuture<InboxStore.Published> f : mine) {
              InboxStore.Published p = f.get(60, TimeUnit.SECONDS);
              assertThat(p.duplicate()).isFalse();
              for (InboxStore.Delivery d : p.deliveries()) {
                sentTo.computeIfAbsent(d.userId(), k -> java.util.Collections.synchronizedList(new ArrayList<>()))
                    .add(p.messageId());
              }
            }
            return null;
          }));
        }
      }
      start.countDown();
      for (Future<?> f : running) {
        f.get(100, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, Integer> expected = new HashMap<>();
    sentTo.forEach((user, ids) -> expected.put(user, ids.size()));
    assertThat(expected.keySet()).containsAll(shared).hasSize(shared.size() + stores.size() * threadsPerStore);
    for (String user : expected.keySet()) {
      for (InboxStore inbox : stores) {
        List<DeliveredMessage> box = all(inbox, user);
        List<Long> seqs = box.stream().map(DeliveredMessage::getSeq).toList();
        List<Long> gapless = java.util.stream.LongStream.rangeClosed(1, expected.get(user)).boxed().toList();
        assertThat(seqs).as("sequences of %s", user).isEqualTo(gapless);
        assertThat(box.stream().map(DeliveredMessage::getMessageId).toList())
            .as("messages of %s, each once", user).doesNotHaveDuplicates()
            .containsExactlyInAnyOrderElementsOf(sentTo.get(user));
        Map<String, Integer> lastFromSender = new HashMap<>();
        for (DeliveredMessage m : box) {
          int n = Integer.parseInt(m.getContent().substring(m.getContent().indexOf('#') + 1));
          Integer before = lastFromSender.put(m.getFromUserId(), n);
          assertThat(before == null || before < n).as("%s's messages to %s in the order sent", m.getFromUserId(), user)
              .isTrue();
        }
      }
    }
  }
}
