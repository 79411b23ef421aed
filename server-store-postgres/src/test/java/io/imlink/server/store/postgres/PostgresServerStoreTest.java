package io.imlink.server.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.protocol.DeliverPages;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.server.spi.InboxStore;
import io.imlink.server.spi.InboxStore.Published;
import io.imlink.server.spi.ServerStore;
import io.imlink.server.spi.ServerStoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The {@code postgres} store against an embedded PostgreSQL, a new database per test. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PostgresServerStoreTest {
  private static final String APP = "app1";
  private static final int BIG = 1 << 22;

  private final List<ServerStore> opened = new ArrayList<>();

  @AfterEach
  void closeStores() {
    for (ServerStore s : opened) {
      s.close();
    }
    opened.clear();
  }

  private ServerStore open(String url, String... properties) throws IOException {
    Map<String, String> props = new LinkedHashMap<>();
    props.put("jdbc.url", url);
    props.put("state.refresh", "PT0.1S");
    for (int i = 0; i < properties.length; i += 2) {
      props.put(properties[i], properties[i + 1]);
    }
    ServerStore s = new PostgresServerStoreProvider().open(new ServerStoreConfig(null, Clock.systemUTC(), new Random(),
        props));
    opened.add(s);
    return s;
  }

  private static Published get(CompletableFuture<Published> f) throws Exception {
    return f.get(30, TimeUnit.SECONDS);
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5); // polling a condition with a deadline, not waiting for a timer
    }
  }

  /** Every message of an inbox, page by page. */
  private static List<DeliveredMessage> all(InboxStore inbox, String user) throws IOException {
    List<DeliveredMessage> out = new ArrayList<>();
    long after = 0;
    while (true) {
      InboxStore.Page page = inbox.fetch(APP, user, after, 1000, BIG);
      out.addAll(page.messages());
      if (page.messages().isEmpty()) {
        assertThat(page.left()).isZero();
        return out;
      }
      after = page.messages().get(page.messages().size() - 1).getSeq();
    }
  }

  @Test
  void publishFetchLeftAndPagingByBytes() throws Exception {
    ServerStore store = open(EmbeddedPostgresFixture.newDatabaseUrl());
    InboxStore inbox = store.inbox();
    assertThat(inbox.readConcurrency()).isEqualTo(7);
    List<Published> sent = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sent.add(get(inbox.publish(APP, "alice", i % 2 == 0 ? List.of("bob", "carol") : List.of("bob"), "RC:TxtMsg",
          "hello " + i, "c" + i, 1_000 + i)));
    }
    for (int i = 0; i < 10; i++) {
      Published p = sent.get(i);
      assertThat(p.duplicate()).isFalse();
      assertThat(p.serverTime()).isEqualTo(1_000 + i);
      assertThat(p.messageId()).hasSize(24);
      assertThat(p.deliveries().get(0).userId()).isEqualTo("bob");
      assertThat(p.deliveries().get(0).message().getSeq()).isEqualTo(i + 1);
      assertThat(p.deliveries().get(0).message().getContent()).isEqualTo("hello " + i);
      if (i > 0) {
        assertThat(p.order()).isGreaterThan(sent.get(i - 1).order());
      }
    }
    assertThat(sent.get(4).deliveries().get(1).message().getSeq()).isEqualTo(3); // carol's third

    InboxStore.Page first = inbox.fetch(APP, "bob", 0, 3, BIG);
    assertThat(first.messages()).extracting(DeliveredMessage::getSeq).containsExactly(1L, 2L, 3L);
    assertThat(first.left()).isEqualTo(7);
    DeliveredMessage m1 = first.messages().get(0);
    assertThat(m1).isEqualTo(sent.get(0).deliveries().get(0).message());
    assertThat(m1.getClientMessageId()).isEqualTo("c0");
    assertThat(m1.getFromUserId()).isEqualTo("alice");
    assertThat(m1.getObjectName()).isEqualTo("RC:TxtMsg");

    // By bytes: room for two and a half messages holds two.
    int cost = DeliverPages.cost(m1);
    InboxStore.Page byBytes = inbox.fetch(APP, "bob", 0, 100, cost * 5 / 2);
    assertThat(byBytes.messages()).hasSize(2);
    assertThat(byBytes.left()).isEqualTo(8);
    InboxStore.Page rest = inbox.fetch(APP, "bob", 8, 100, BIG);
    assertThat(rest.messages()).extracting(DeliveredMessage::getSeq).containsExactly(9L, 10L);
    assertThat(rest.left()).isZero();
    assertThat(inbox.fetch(APP, "bob", 10, 100, BIG).messages()).isEmpty();
    assertThat(inbox.fetch(APP, "nobody", 0, 100, BIG)).isEqualTo(new InboxStore.Page(List.of(), 0));
    assertThat(all(inbox, "carol")).extracting(DeliveredMessage::getContent)
        .containsExactly("hello 0", "hello 2", "hello 4", "hello 6", "hello 8");

    // The first message alone over the limit: it could never be delivered.
    assertThatThrownBy(() -> inbox.fetch(APP, "bob", 0, 100, cost - 1)).isInstanceOf(IOException.class)
        .hasMessageContaining("inbox message 1 of bob").hasMessageContaining("more than a page of " + (cost - 1));
  }

  @Test
  void aFailingPublishFailsAloneAndLeavesNoGap() throws Exception {
    InboxStore inbox = open(EmbeddedPostgresFixture.newDatabaseUrl()).inbox();
    // Queued together, most likely one batch: the bad one (PostgreSQL text holds no NUL) fails alone.
    CompletableFuture<Published> a = inbox.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "a", "a", 1);
    CompletableFuture<Published> bad = inbox.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "nul\u0000", "b", 2);
    CompletableFuture<Published> c = inbox.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "c", "c", 3);
    assertThat(get(a).deliveries().get(0).message().getSeq()).isEqualTo(1);
    assertThatThrownBy(() -> get(bad)).isInstanceOf(ExecutionException.class);
    assertThat(get(c).deliveries().get(0).message().getSeq()).isEqualTo(2);
    assertThat(all(inbox, "bob")).extracting(DeliveredMessage::getContent).containsExactly("a", "c");
  }

  /**
   * Another process holds bob's head and then waits for alice's, which the batch holds while it
   * waits for bob's: PostgreSQL breaks the deadlock by failing the batch (40P01, the batch's session
   * is the one whose deadlock timeout comes first), and the writer runs it again.
   */
  @Test
  void aBatchThatLosesADeadlockIsRunAgain() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    InboxStore inbox = open(url).inbox();
    get(inbox.publish(APP, "carol", List.of("alice", "bob"), "RC:TxtMsg", "heads", null, 1));
    try (Connection other = DriverManager.getConnection(url); Statement s = other.createStatement()) {
      s.execute("SET deadlock_timeout = '30s'"); // the batch's session detects the deadlock, not this one
      other.setAutoCommit(false);
      s.execute("SELECT 1 FROM inbox_heads WHERE user_id = 'bob' FOR UPDATE");
      CompletableFuture<Published> f = inbox.publish(APP, "carol", List.of("alice", "bob"), "RC:TxtMsg", "x", "x", 2);
      await("the batch waiting for bob's head", () -> waitingSessions(url) > 0);
      s.execute("SELECT 1 FROM inbox_heads WHERE user_id = 'alice' FOR UPDATE"); // returns once the batch is rolled back
      other.commit();
      Published p = get(f);
      assertThat(p.duplicate()).isFalse();
      assertThat(p.deliveries()).extracting(d -> d.message().getSeq()).containsExactly(2L, 2L);
    }
    assertThat(all(inbox, "alice")).extracting(DeliveredMessage::getSeq).containsExactly(1L, 2L);
    assertThat(all(inbox, "bob")).extracting(DeliveredMessage::getSeq).containsExactly(1L, 2L);
  }

  /** The database drops every connection of the store (a restart, a failover): the next writes and reads work. */
  @Test
  void droppedConnectionsAreReplaced() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    ServerStore store = open(url, "pool.size", "3");
    InboxStore inbox = store.inbox();
    assertThat(inbox.readConcurrency()).isEqualTo(2);
    get(inbox.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "before", "1", 1));
    assertThat(inbox.fetch(APP, "bob", 0, 10, BIG).messages()).hasSize(1);
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
          + " AND pid <> pg_backend_pid()");
    }
    Published after = get(inbox.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "after", "2", 2));
    assertThat(after.deliveries().get(0).message().getSeq()).isEqualTo(2);
    assertThat(all(inbox, "bob")).extracting(DeliveredMessage::getContent).containsExactly("before", "after");
    store.state().revokeTokens(APP, "bob", 7);
    assertThat(store.nonces().firstUse("n", 1, 10)).isTrue();
  }

  private static int waitingSessions(String url) {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            + " AND wait_event_type = 'Lock'")) {
      rs.next();
      return rs.getInt(1);
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aResendIsFoundInTheBatchInTheStoreAndInAnotherProcess() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    InboxStore a = open(url).inbox();
    InboxStore b = open(url).inbox();
    Published first = get(a.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "hi", "m1", 10));
    Published again = get(a.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "hi", "m1", 20));
    Published elsewhere = get(b.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "hi", "m1", 30));
    for (Published p : List.of(again, elsewhere)) {
      assertThat(p.duplicate()).isTrue();
      assertThat(p.deliveries()).isEmpty();
      assertThat(p.messageId()).isEqualTo(first.messageId());
      assertThat(p.order()).isEqualTo(first.order());
      assertThat(p.serverTime()).isEqualTo(10);
    }
    // Other senders, apps and no client id at all are other messages.
    assertThat(get(a.publish(APP, "carol", List.of("bob"), "RC:TxtMsg", "hi", "m1", 40)).duplicate()).isFalse();
    assertThat(get(a.publish("app2", "alice", List.of("bob"), "RC:TxtMsg", "hi", "m1", 40)).duplicate()).isFalse();
    assertThat(get(a.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "x", null, 50)).duplicate()).isFalse();
    assertThat(get(b.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "x", null, 50)).duplicate()).isFalse();

    // Two copies queued together (one batch, most likely) and copies sent to both processes at once.
    List<CompletableFuture<Published>> copies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      copies.add((i % 2 == 0 ? a : b).publish(APP, "dave", List.of("erin"), "RC:TxtMsg", "twice", "dup", 60));
      copies.add((i % 2 == 0 ? a : b).publish(APP, "dave", List.of("erin"), "RC:TxtMsg", "twice", "dup", 60));
    }
    Set<String> ids = new HashSet<>();
    int stored = 0;
    for (CompletableFuture<Published> f : copies) {
      Published p = get(f);
      ids.add(p.messageId());
      if (!p.duplicate()) {
        stored++;
        assertThat(p.deliveries()).hasSize(1);
      }
    }
    assertThat(stored).isEqualTo(1);
    assertThat(ids).hasSize(1);
    assertThat(all(a, "erin")).hasSize(1);
    assertThat(all(b, "bob")).extracting(DeliveredMessage::getSeq).containsExactly(1L, 2L, 3L, 4L); // app2 is another inbox
  }

  @Test
  void acknowledgementsKeepTheHighest() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    InboxStore a = open(url).inbox();
    InboxStore b = open(url).inbox();
    assertThat(a.acknowledged(APP, "bob", "phone")).isZero();
    a.ack(APP, "bob", "phone", 5);
    a.ack(APP, "bob", "phone", 3);
    a.ack(APP, "bob", "phone", 7);
    a.ack(APP, "bob", "phone", 6);
    a.ack(APP, "bob", "tablet", 2);
    await("the acknowledgement of 7", () -> read(() -> a.acknowledged(APP, "bob", "phone")) == 7);
    await("the tablet's", () -> read(() -> b.acknowledged(APP, "bob", "tablet")) == 2);
    // A lower one later, from another process: the stored bound does not move back.
    b.ack(APP, "bob", "phone", 4);
    b.ack(APP, "bob", "tablet", 9);
    await("the tablet's 9", () -> read(() -> a.acknowledged(APP, "bob", "tablet")) == 9);
    assertThat(b.acknowledged(APP, "bob", "phone")).isEqualTo(7);
    assertThat(a.acknowledged(APP, "carol", "phone")).isZero();
  }

  private interface IoLong {
    long get() throws IOException;
  }

  private static long read(IoLong r) {
    try {
      return r.get();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void pruneDropsWhatIsOlderThanTheRetention() throws Exception {
    InboxStore inbox = open(EmbeddedPostgresFixture.newDatabaseUrl()).inbox();
    get(inbox.publish(APP, "alice", List.of("bob", "carol"), "RC:TxtMsg", "old", "1", 1_000));
    get(inbox.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "older", "2", 500));
    get(inbox.publish(APP, "alice", List.of("bob", "carol"), "RC:TxtMsg", "new", "3", 5_000));
    assertThat(inbox.prune(3_000).get(30, TimeUnit.SECONDS)).isEqualTo(3);
    assertThat(all(inbox, "bob")).extracting(DeliveredMessage::getContent).containsExactly("new");
    assertThat(all(inbox, "bob").get(0).getSeq()).isEqualTo(3);
    assertThat(inbox.fetch(APP, "carol", 0, 10, BIG).messages()).extracting(DeliveredMessage::getSeq).containsExactly(2L);
    assertThat(inbox.prune(3_000).get(30, TimeUnit.SECONDS)).isZero();
    // Sequences go on from the head, not from what is left; the pruned message is gone, so its client id is free.
    Published next = get(inbox.publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "again", "1", 6_000));
    assertThat(next.duplicate()).isFalse();
    assertThat(next.deliveries().get(0).message().getSeq()).isEqualTo(4);
  }

  @Test
  void stateWrittenInOneProcessHoldsInAnotherWithinStaleness() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    ServerStore a = open(url);
    ServerStore b = open(url);
    assertThat(b.state().staleness()).isEqualTo(Duration.ofMillis(100));
    assertThat(b.state().revokedBefore(APP, "bob")).isEqualTo(Long.MIN_VALUE);
    assertThat(b.state().isBlocked(APP, "bob", 0)).isFalse();

    a.state().upsertUser(APP, "bob", "Bob", null, 1);
    assertThat(b.state().userExists(APP, "bob")).isTrue();
    assertThat(b.state().userExists(APP, "carol")).isFalse();
    b.state().upsertUser(APP, "bob", null, "http://p", 2); // keeps the name

    long t0 = System.nanoTime();
    a.state().revokeTokens(APP, "bob", 5_000);
    assertThat(a.state().revokedBefore(APP, "bob")).isEqualTo(5_000); // at once in the writer's copy
    await("the revocation in the other process", () -> b.state().revokedBefore(APP, "bob") == 5_000);
    long seenMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    b.state().revokeTokens(APP, "bob", 1_000); // never moves back
    assertThat(b.state().revokedBefore(APP, "bob")).isEqualTo(5_000);

    a.state().block(APP, "bob", 10_000);
    assertThat(a.state().isBlocked(APP, "bob", 9_999)).isTrue();
    await("the block in the other process", () -> b.state().isBlocked(APP, "bob", 9_999));
    assertThat(b.state().isBlocked(APP, "bob", 10_000)).isFalse();
    a.state().unblock(APP, "bob");
    assertThat(a.state().isBlocked(APP, "bob", 9_999)).isFalse();
    await("the unblock in the other process", () -> !b.state().isBlocked(APP, "bob", 9_999));
    b.state().unblock(APP, "nobody"); // nothing to lift
    a.state().revokeTokens(APP, "bob", 8_000);
    await("a later revocation", () -> b.state().revokedBefore(APP, "bob") == 8_000);

    // A third process loads it all at open.
    ServerStore c = open(url);
    assertThat(c.state().revokedBefore(APP, "bob")).isEqualTo(8_000);
    assertThat(c.state().isBlocked(APP, "bob", 9_999)).isFalse();
    assertThat(seenMs).as("ms until the revocation held in the other process").isLessThan(5_000);
  }

  @Test
  void noncesAreSharedBetweenProcesses() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    ServerStore a = open(url);
    ServerStore b = open(url);
    long now = 1_000_000;
    assertThat(a.nonces().firstUse("n1", now, 1_000)).isTrue();
    assertThat(b.nonces().firstUse("n1", now + 10, 1_000)).isFalse();
    assertThat(a.nonces().firstUse("n1", now + 1_000, 1_000)).isFalse(); // that instant included
    assertThat(b.nonces().firstUse("n1", now + 1_001, 1_000)).isTrue();
    assertThat(a.nonces().firstUse("n1", now + 1_500, 1_000)).isFalse();
    assertThat(a.nonces().firstUse("n2", now + 1_500, 1_000)).isTrue();
    assertThat(b.nonces().firstUse("n3", now + 100_000, 1_000)).isTrue(); // purges the expired ones
  }

  @Test
  void aMissingUrlIsNamed() {
    assertThatThrownBy(() -> new PostgresServerStoreProvider().open(new ServerStoreConfig(null, Clock.systemUTC(),
        new Random(), Map.of()))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'jdbc.url'");
    assertThatThrownBy(() -> open(EmbeddedPostgresFixture.unreachableUrl(), "pool.size", "none"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'pool.size'");
    assertThatThrownBy(() -> open(EmbeddedPostgresFixture.unreachableUrl(), "state.refresh", "soon"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'state.refresh'");
    assertThatThrownBy(() -> open("jdbc:mysql://x/y")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:postgresql:");
  }

  @Test
  void anUnreachableDatabaseIsAClearErrorWithoutThePassword() {
    String url = EmbeddedPostgresFixture.unreachableUrl();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> open(url, "jdbc.user", "imlink", "jdbc.password", "s3cret-pw"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot connect to the PostgreSQL database at " + url)
        .hasMessageContaining("refused")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret-pw"));
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
    assertThat(imlinkThreads()).isEmpty();
  }

  @Test
  void aSchemaNewerThanThisCodeIsRefused() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    ServerStore first = open(url);
    opened.remove(first);
    first.close();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute("INSERT INTO imlink_schema_history(installed_rank, version, description, type, script, checksum,"
          + " installed_by, execution_time, success) VALUES (99, '99', 'from the future', 'SQL', 'V99__future.sql', 0,"
          + " 'postgres', 0, true)");
    }
    assertThatThrownBy(() -> open(url)).isInstanceOf(IOException.class)
        .hasMessageContaining("is at version 99, newer than this server's 1");
  }

  @Test
  void thePasswordFileLosesItsTrailingNewline(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("pw");
    Files.writeString(file, "pa ss\n");
    var settings = io.imlink.server.store.postgres.internal.PostgresSettings.from(new ServerStoreConfig(null,
        Clock.systemUTC(), new Random(), Map.of("jdbc.url", "jdbc:postgresql://h/db?password=x&user=u",
            "jdbc.password-file", file.toString(), "pool.size", "3", "state.refresh", "250")));
    assertThat(settings.password()).contains("pa ss");
    assertThat(settings.poolSize()).isEqualTo(3);
    assertThat(settings.stateRefresh()).isEqualTo(Duration.ofMillis(250));
    assertThat(settings.toString()).doesNotContain("pa ss").contains("password=***&user=u");
  }

  @Test
  void closeDrainsTheQueueAndLeavesNoThread() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    ServerStore s = open(url);
    List<CompletableFuture<Published>> queued = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      queued.add(s.inbox().publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "m" + i, "c" + i, i));
    }
    s.inbox().ack(APP, "bob", "phone", 300);
    opened.remove(s);
    s.close();
    for (CompletableFuture<Published> f : queued) {
      assertThat(f).isCompleted();
      assertThat(f.get().duplicate()).isFalse();
    }
    assertThat(s.inbox().publish(APP, "alice", List.of("bob"), "RC:TxtMsg", "late", null, 1))
        .isCompletedExceptionally();
    assertThat(imlinkThreads()).isEmpty();
    ServerStore again = open(url);
    assertThat(all(again.inbox(), "bob")).hasSize(300);
    assertThat(again.inbox().acknowledged(APP, "bob", "phone")).isEqualTo(300);
  }

  private static List<String> imlinkThreads() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(n -> n.startsWith("imlink-pg")).toList();
  }

  /**
   * The one that matters: two processes (two stores, each with its own pool and writer), four
   * threads each, publish 2,000 messages per thread at once to the same five recipients (and every
   * tenth also to a recipient of its own). Every recipient's sequences are exactly 1..N, each message
   * there once.
   */
  @Test
  void twoProcessesPublishingAtOnceToTheSameRecipientsKeepSequencesGapless() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    List<InboxStore> stores = List.of(open(url).inbox(), open(url).inbox());
    List<String> shared = List.of("r0", "r1", "r2", "r3", "r4");
    int threads = 4;
    int perThread = 2_000;
    int window = 64;
    ExecutorService pool = Executors.newFixedThreadPool(stores.size() * threads);
    Map<String, Set<String>> delivered = new ConcurrentHashMap<>(); // recipient -> message ids
    Map<String, Set<Long>> seqs = new ConcurrentHashMap<>(); // recipient -> sequences handed out
    Set<String> allIds = ConcurrentHashMap.newKeySet();
    CountDownLatch start = new CountDownLatch(1);
    long t0 = System.nanoTime();
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int s = 0; s < stores.size(); s++) {
        for (int t = 0; t < threads; t++) {
          InboxStore inbox = stores.get(s);
          String sender = "s" + s + "t" + t;
          running.add(pool.submit(() -> {
            start.await();
            List<CompletableFuture<Published>> inFlight = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
              List<String> to = new ArrayList<>(shared);
              if (i % 10 == 0) {
                to.add("solo-" + sender + "-" + i);
              }
              inFlight.add(inbox.publish(APP, sender, to, "RC:TxtMsg", sender + " " + i, i % 2 == 0 ? "c" + i : null,
                  System.currentTimeMillis()));
              if (inFlight.size() == window || i == perThread - 1) {
                for (CompletableFuture<Published> f : inFlight) {
                  Published p = f.get(60, TimeUnit.SECONDS);
                  assertThat(p.duplicate()).isFalse();
                  assertThat(allIds.add(p.messageId())).isTrue();
                  for (InboxStore.Delivery d : p.deliveries()) {
                    delivered.computeIfAbsent(d.userId(), k -> ConcurrentHashMap.newKeySet()).add(p.messageId());
                    assertThat(seqs.computeIfAbsent(d.userId(), k -> ConcurrentHashMap.newKeySet())
                        .add(d.message().getSeq())).as("seq %d of %s handed out once", d.message().getSeq(), d.userId())
                        .isTrue();
                  }
                }
                inFlight.clear();
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
    long publishMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    int total = stores.size() * threads * perThread;
    assertThat(allIds).hasSize(total);
    for (String r : shared) {
      for (InboxStore inbox : stores) {
        List<DeliveredMessage> box = all(inbox, r);
        assertThat(box).hasSize(total);
        for (int i = 0; i < box.size(); i++) {
          assertThat(box.get(i).getSeq()).as("seq at %d of %s", i, r).isEqualTo(i + 1);
        }
        Set<String> ids = new HashSet<>();
        for (DeliveredMessage m : box) {
          ids.add(m.getMessageId());
        }
        assertThat(ids).isEqualTo(allIds);
      }
      assertThat(delivered.get(r)).isEqualTo(allIds);
      assertThat(seqs.get(r)).hasSize(total);
    }
    Map<String, Integer> solos = new HashMap<>();
    delivered.forEach((user, ids) -> {
      if (user.startsWith("solo-")) {
        solos.put(user, ids.size());
      }
    });
    assertThat(solos).hasSize(total / 10).allSatisfy((user, n) -> assertThat(n).isEqualTo(1));
    assertThat(all(stores.get(1), "solo-s0t0-0")).extracting(DeliveredMessage::getSeq).containsExactly(1L);
    System.out.printf("published %d messages to %d recipients each from 2 stores x %d threads in %d ms%n", total,
        shared.size(), threads, publishMs);
  }
}
