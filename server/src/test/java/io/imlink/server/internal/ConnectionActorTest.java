package io.imlink.server.internal;

import io.imlink.server.spi.InboxStore;
import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.protocol.Frames;
import io.imlink.api.Limits;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Publish;
import io.imlink.protocol.v1.SyncRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Each connection is a serial actor: a session whose sync is stuck in the store holds up nobody
 * else — not another user's publish acknowledgement, not its live delivery — and loses nothing that
 * was stored meanwhile. Driven through the transport SPI with in-memory channels and a real SQLite
 * inbox.
 */
@Timeout(60)
class ConnectionActorTest {
  private static final String APP = TestChannel.APP;
  private final List<AutoCloseable> cleanup = new ArrayList<>();
  private final ExecutorService workers = Executors.newFixedThreadPool(2);
  private final ExecutorService sync = Executors.newFixedThreadPool(4);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger ports = new AtomicInteger(40_000);

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : cleanup) {
      c.close();
    }
    workers.shutdownNow();
    sync.shutdownNow();
    scheduler.shutdownNow();
  }

  /** The SQLite inbox, except that one user's reads after the first are held after reading until released. */
  private static final class StuckInbox implements InboxStore {
    final Inbox delegate;
    final String stuckUser;
    final CountDownLatch stuck = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger reads = new AtomicInteger();

    StuckInbox(Inbox delegate, String stuckUser) {
      this.delegate = delegate;
      this.stuckUser = stuckUser;
    }

    @Override
    public CompletableFuture<Published> publish(String appKey, String from, List<String> to, String objectName,
        String content, String clientMessageId, long now) {
      return delegate.publish(appKey, from, to, objectName, content, clientMessageId, now);
    }

    @Override
    public Page fetch(String appKey, String user, long afterSeq, int maxCount, int maxBytes) throws IOException {
      Page page = delegate.fetch(appKey, user, afterSeq, maxCount, maxBytes);
      if (user.equals(stuckUser) && reads.incrementAndGet() == 2) {
        stuck.countDown();
        try {
          release.await(); // stuck in the store with the page it read: what is stored now is not in it
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return page;
    }

    @Override
    public void ack(String appKey, String user, String deviceId, long upToSeq) {
      delegate.ack(appKey, user, deviceId, upToSeq);
    }

    @Override
    public long acknowledged(String appKey, String user, String deviceId) throws IOException {
      return delegate.acknowledged(appKey, user, deviceId);
    }

    @Override
    public CompletableFuture<Integer> prune(long beforeMs) {
      return delegate.prune(beforeMs);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  private ServerContext context(InboxStore inbox) {
    ServerContext ctx = TestChannel.context(inbox, scheduler, workers, sync, 1000);
    cleanup.add((ServerState) ctx.state());
    cleanup.add(inbox);
    return ctx;
  }

  private TestChannel connect(ServerContext ctx, String user) throws InterruptedException {
    TestChannel ch = new TestChannel(new InetSocketAddress("127.0.0.1", ports.incrementAndGet()));
    ch.handler = ctx.accept(ch);
    ch.fromClient(Frame.newBuilder().setConnectRequest(ConnectRequest.newBuilder().setProtocolVersion(
        Frames.PROTOCOL_VERSION).setAppKey(APP).setToken(ctx.tokens().issue(APP, user)).setDeviceId("d-" + user)).build());
    assertThat(ch.await("ConnectAck", Frame::hasConnectAck).getConnectAck().getCode()).isZero();
    return ch;
  }

  private static Frame publish(String id, String to, String content) {
    return Frame.newBuilder().setPublish(Publish.newBuilder().setClientMessageId(id).setToUserId(to)
        .setObjectName("RC:TxtMsg").setContent(content)).build();
  }

  private static Frame syncFrom(long after) {
    return Frame.newBuilder().setSyncRequest(SyncRequest.newBuilder().setAfterSeq(after).setLimit(200)).build();
  }

  /** Syncs an empty inbox, then waits until a message to the user arrives live. */
  private static void goLive(TestChannel user, TestChannel sender, String userId) throws InterruptedException {
    user.fromClient(syncFrom(0));
    user.await("sync page", f -> f.hasDeliver() && f.getDeliver().getOffline());
    sender.fromClient(publish("warm-" + userId, userId, "{}"));
    user.await("live message", f -> f.hasDeliver() && !f.getDeliver().getOffline());
  }

  @Test
  void aSyncStuckInTheStoreDelaysNoOtherSessionAndMissesNothing() throws Exception {
    StuckInbox inbox = new StuckInbox(Inbox.temporary(new SecureRandom()), "slow");
    ServerContext ctx = context(inbox);
    TestChannel alice = connect(ctx, "alice");
    TestChannel bob = connect(ctx, "bob");
    TestChannel carol = connect(ctx, "carol");
    goLive(bob, alice, "bob");
    goLive(carol, alice, "carol");

    // slow has one message waiting; its sync's first page has it, and the read after it gets stuck.
    alice.fromClient(publish("before", "slow", "{\"n\":\"before\"}"));
    alice.await("ack", f -> f.hasPublishAck() && f.getPublishAck().getClientMessageId().equals("before"));
    TestChannel slow = connect(ctx, "slow");
    slow.fromClient(syncFrom(0));
    Frame first = slow.await("first page", Frame::hasDeliver);
    assertThat(first.getDeliver().getMessagesList()).extracting(DeliveredMessage::getContent)
        .containsExactly("{\"n\":\"before\"}");
    assertThat(inbox.stuck.await(10, TimeUnit.SECONDS)).as("the read after the last page is stuck").isTrue();

    // Meanwhile a message for the stuck user is stored (its live push must neither block nor be lost)…
    alice.fromClient(publish("during", "slow", "{\"n\":\"during\"}"));
    alice.await("ack of the message to the stuck user",
        f -> f.hasPublishAck() && f.getPublishAck().getClientMessageId().equals("during"));
    // …and other users go on as if nothing happened.
    long start = System.nanoTime();
    bob.fromClient(publish("b1", "carol", "{\"n\":\"b1\"}"));
    Frame ack = bob.await("bob's ack", f -> f.hasPublishAck() && f.getPublishAck().getClientMessageId().equals("b1"));
    long ackNanos = System.nanoTime() - start;
    Frame delivered = carol.await("carol's delivery", Frame::hasDeliver);
    long deliverNanos = System.nanoTime() - start;
    assertThat(ack.getPublishAck().getCode()).isZero();
    assertThat(delivered.getDeliver().getMessages(0).getContent()).isEqualTo("{\"n\":\"b1\"}");
    assertThat(inbox.release.getCount()).as("all of that while the sync was still stuck").isEqualTo(1);
    // Liveness, not speed: far below the time the sync stays stuck (the benchmarks measure speed).
    assertThat(Duration.ofNanos(ackNanos)).isLessThan(Duration.ofSeconds(2));
    assertThat(Duration.ofNanos(deliverNanos)).isLessThan(Duration.ofSeconds(2));

    inbox.release.countDown();
    Frame after = slow.await("the message stored during the stuck read", f -> f.hasDeliver()
        && f.getDeliver().getMessagesCount() > 0);
    assertThat(after.getDeliver().getMessagesList()).extracting(DeliveredMessage::getContent)
        .containsExactly("{\"n\":\"during\"}");
    assertThat(after.getDeliver().getOffline()).isFalse();
    // It came once: the next message is the next frame.
    alice.fromClient(publish("later", "slow", "{\"n\":\"later\"}"));
    Frame later = slow.await("a later live message", Frame::hasDeliver);
    assertThat(later.getDeliver().getMessagesList()).extracting(DeliveredMessage::getContent)
        .containsExactly("{\"n\":\"later\"}");
  }

  @Test
  void aFrameTheConnectionCannotCarryClosesItWithACodeLiveOrInASync() throws Exception {
    ServerContext ctx = context(Inbox.temporary(new SecureRandom()));
    TestChannel alice = connect(ctx, "alice");
    TestChannel bob = connect(ctx, "bob");
    goLive(bob, alice, "bob");
    bob.maxFrameSize = 2_048; // as a transport with a smaller limit than the server's messages
    alice.fromClient(publish("big", "bob", "x".repeat(10_000)));
    Frame bye = bob.await("Disconnect", Frame::hasDisconnect);
    assertThat(bye.getDisconnect().getCode()).isEqualTo(31003);
    // Pushed live ("could not write a frame"), or read by the last read of the sync if that was
    // still running ("could not serve the inbox"): either way the link closes with the code.
    assertThat(bye.getDisconnect().getReason()).containsAnyOf("could not write a frame", "could not serve the inbox");
    assertThat(bob.closed.await(10, TimeUnit.SECONDS)).isTrue();

    TestChannel again = connect(ctx, "bob");
    again.maxFrameSize = 2_048;
    again.fromClient(syncFrom(1)); // after the warm-up message: the big one is next
    Frame refused = again.await("Disconnect", f -> f.hasDisconnect() || f.hasDeliver());
    assertThat(refused.hasDisconnect()).as("no page could hold the message: the link closes, it does not stall").isTrue();
    assertThat(refused.getDisconnect().getCode()).isEqualTo(31003);
    assertThat(again.closed.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aBurstOfLivePushesGoesOutInFewFramesNoneOverTheLimitAllInOrder() throws Exception {
    ServerContext ctx = context(Inbox.temporary(new SecureRandom()));
    TestChannel alice = connect(ctx, "alice");
    TestChannel bob = connect(ctx, "bob");
    goLive(bob, alice, "bob");
    int n = 40;
    for (int i = 0; i < n; i++) {
      alice.fromClient(publish("p" + i, "bob", i + ":" + "x".repeat(60_000)));
    }
    List<String> got = new ArrayList<>();
    while (got.size() < n) {
      Frame f = bob.await("live messages", Frame::hasDeliver);
      assertThat(f.getSerializedSize()).isLessThanOrEqualTo(Limits.MAX_FRAME_BYTES);
      assertThat(f.getDeliver().getOffline()).isFalse();
      for (DeliveredMessage m : f.getDeliver().getMessagesList()) {
        got.add(m.getContent().substring(0, m.getContent().indexOf(':')));
      }
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      expected.add(Integer.toString(i));
    }
    assertThat(got).containsExactlyElementsOf(expected);
  }
}
