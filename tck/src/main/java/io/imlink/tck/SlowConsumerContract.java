package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.WriteBudget;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.SyncRequest;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A recipient that stops reading, run by every transport: while {@link #MESSAGES} messages are
 * published to it through the server's publish path, the bytes the server holds for it stay within
 * the write budget ({@link TransportOptions#maxPendingBytes()}) and its heap within a bound; the
 * stalled session is dropped ({@link WriteBudget#CLOSE_CODE}, counted in {@code
 * ServerStats.slowClientsDropped}), the client sees the link close, and a fresh client of the user
 * then receives every message exactly once, in order, from the inbox. A healthy reader is not
 * dropped by the same burst.
 *
 * <p>The stalled client authenticates and syncs over a raw frame channel, through a {@link
 * FaultProxy} that then stops reading from the server ({@link FaultProxy#freezeDownstream()}): to
 * the server, a peer that never reads its socket, whatever the transport.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class SlowConsumerContract extends EngineFixture {
  /** Messages published to the stalled recipient. */
  protected static final int MESSAGES = 10_000;
  /** Each message's content: 2,000 bytes, so that 10,000 of them (20 MB) outgrow every buffer on the way. */
  private static final String CONTENT = "{\"content\":\"" + "x".repeat(1_986) + "\"}";
  /** Heap the server may grow by while it holds the stalled session (beyond the budget: its bookkeeping). */
  private static final long HEAP_BOUND = 48L * 1024 * 1024;

  @Test
  void aRecipientThatStopsReadingIsDroppedWithinItsBudgetAndLosesNothing() throws Exception {
    startServer(b -> b.heartbeatInterval(Duration.ofMinutes(10))); // no heartbeat rule ends the session first
    long budget = TransportOptions.defaults().maxPendingBytes();
    FaultProxy proxy = proxyToServer();
    proxy.upstreamReceiveBuffer(64 * 1024); // what the server sends stays with the server, not in the proxy's kernel
    RecordingFrameHandler stalled = new RecordingFrameHandler();
    FrameChannel raw = closeLater(transport().newConnector(baseOptions().build()))
        .connect(serverUriAt(proxy.address()), stalled).get(10, TimeUnit.SECONDS);
    raw.send(Frames.encode(Frame.newBuilder().setConnectRequest(ConnectRequest.newBuilder()
        .setProtocolVersion(Frames.PROTOCOL_VERSION).setAppKey(APP_KEY).setToken(api.getToken("bob"))
        .setDeviceId("stalled-" + UUID.randomUUID()).setSdkVersion("slow-consumer/1")).build()));
    assertThat(Frames.decode(stalled.nextFrame()).getConnectAck().getCode()).as("ConnectAck").isZero();
    raw.send(Frames.encode(Frame.newBuilder().setSyncRequest(SyncRequest.newBuilder().setAfterSeq(0)).build()));
    assertThat(Frames.decode(stalled.nextFrame()).getDeliver().getLeft()).as("an empty inbox: live from now on").isZero();
    Await.until("the session is live", () -> server.sessionCount() == 1);

    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    proxy.freezeDownstream(); // from now on nobody reads what the server sends to bob
    long peakHeap = heapBefore;
    List<CompletableFuture<Void>> stored = new ArrayList<>(MESSAGES);
    for (int i = 0; i < MESSAGES; i++) {
      stored.add(server.publish(APP_KEY, "alice", "bob", "RC:TxtMsg", CONTENT.replaceFirst("x{5}", String.format("%05d", i))));
      if (i % 1_000 == 999) { // the heap while the server holds what it could not send, garbage collected
        stored.get(i).get(30, TimeUnit.SECONDS);
        System.gc();
        peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
      }
    }
    CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    Await.until("the stalled session is dropped (slowClientsDropped " + server.stats().slowClientsDropped()
            + ", peak pending " + server.stats().peakPendingBytes() + ", sessions " + server.sessionCount() + ")",
        () -> server.stats().slowClientsDropped() == 1 && server.sessionCount() == 0, Duration.ofSeconds(30));
    System.gc();
    long heapAfter = memory.getHeapMemoryUsage().getUsed();
    long peakPending = server.stats().peakPendingBytes();
    System.out.printf("%s: slow consumer of %d messages: peak pending %d bytes (budget %d), heap %d MiB before,"
            + " at most %d MiB while publishing (after GC), %d MiB after the drop%n", getClass().getSimpleName(), MESSAGES, peakPending, budget,
        heapBefore >> 20, peakHeap >> 20, heapAfter >> 20);
    assertThat(peakPending).as("the most bytes the server held for one peer").isPositive()
        .isLessThanOrEqualTo(budget + raw.maxFrameSize());
    assertThat(peakHeap - heapBefore).as("heap grown while the stalled session was held").isLessThan(HEAP_BOUND);
    assertThat(heapAfter - heapBefore).as("heap grown once it was dropped").isLessThan(HEAP_BOUND);

    proxy.thaw(); // the client reads again: what was on the way, then the end of the link
    stalled.awaitClosed();
    assertThat(stalled.isClosed()).as("the stalled client saw its link close").isTrue();

    List<Message> received = new CopyOnWriteArrayList<>();
    ImEngine bob = build(engine(serverUri()).dataDirectory(tmp.resolve("bob-fresh")));
    bob.addMessageListener((m, left, offline) -> received.add(m));
    EngineProbe probe = EngineProbe.attach(bob);
    assertThat(bob.connect(api.getToken("bob"), 0)).isZero();
    probe.awaitStatus(ConnectionStatus.CONNECTED, 0);
    Await.until("bob received " + MESSAGES + " (has " + received.size() + ")", () -> received.size() >= MESSAGES,
        Duration.ofSeconds(60));
    assertThat(received).hasSize(MESSAGES);
    for (int i = 0; i < MESSAGES; i++) {
      assertThat(received.get(i).content()).as("message %d, in order", i).startsWith("{\"content\":\"" + String.format("%05d", i));
    }
    assertThat(received.stream().map(Message::serverMessageId).distinct().count()).as("each once").isEqualTo(MESSAGES);
    assertThat(server.stats().slowClientsDropped()).as("the fresh client is not dropped").isEqualTo(1);
  }

  /**
   * A reader that reads its socket promptly (a raw frame channel that only records) is not dropped
   * by the same burst: the server pushes live as fast as it stores, and the budget is 16 frames of
   * the largest size, so a burst leaves a prompt reader far below it. (A client that reads slower
   * than the burst arrives, such as an engine storing each message in SQLite on a busy machine, may
   * fall a budget behind; it is then dropped like the stalled one and catches up by syncing, which
   * it paces itself, losing nothing.)
   */
  @Test
  void aHealthyReaderIsNotDroppedByABurst() throws Exception {
    startServer();
    RecordingFrameHandler reader = new RecordingFrameHandler();
    FrameChannel raw = rawConnect(reader);
    raw.send(Frames.encode(Frame.newBuilder().setConnectRequest(ConnectRequest.newBuilder()
        .setProtocolVersion(Frames.PROTOCOL_VERSION).setAppKey(APP_KEY).setToken(api.getToken("bob"))
        .setDeviceId("reader-" + UUID.randomUUID()).setSdkVersion("slow-consumer/1")).build()));
    assertThat(Frames.decode(reader.nextFrame()).getConnectAck().getCode()).as("ConnectAck").isZero();
    raw.send(Frames.encode(Frame.newBuilder().setSyncRequest(SyncRequest.newBuilder().setAfterSeq(0)).build()));
    assertThat(Frames.decode(reader.nextFrame()).getDeliver().getLeft()).as("an empty inbox: live from now on").isZero();
    Await.until("the session is live", () -> server.sessionCount() == 1);
    List<CompletableFuture<Void>> stored = new ArrayList<>(MESSAGES);
    for (int i = 0; i < MESSAGES; i++) {
      stored.add(server.publish(APP_KEY, "alice", "bob", "RC:TxtMsg", CONTENT.replaceFirst("x{5}", String.format("%05d", i))));
    }
    long expectedSeq = 1;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (expectedSeq <= MESSAGES && System.nanoTime() < deadline) {
      Frame f = Frames.decode(reader.nextFrame());
      for (var m : f.getDeliver().getMessagesList()) {
        if (m.getSeq() >= expectedSeq) { // a Deliver may repeat what came already (docs/protocol.md §6.3)
          assertThat(m.getSeq()).as("the next message, in order").isEqualTo(expectedSeq);
          assertThat(m.getContent()).startsWith("{\"content\":\"" + String.format("%05d", expectedSeq - 1));
          expectedSeq++;
        }
      }
    }
    CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    assertThat(expectedSeq - 1).as("messages the reader got").isEqualTo(MESSAGES);
    assertThat(server.stats().slowClientsDropped()).as("sessions dropped as too slow").isZero();
    assertThat(reader.isClosed()).as("the reader's link").isFalse();
    assertThat(server.sessionCount()).isEqualTo(1);
    System.out.printf("%s: a prompt reader of a %d-message burst: peak pending %d bytes%n", getClass().getSimpleName(),
        MESSAGES, server.stats().peakPendingBytes());
  }
}
