package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sockets that connect and then say nothing, run by every transport: the server closes each one
 * by its deadline (the transport's handshake timeout, or the server's authentication timeout where
 * the transport hands a connection over at accept), and holding them costs neither threads nor
 * more than a bounded amount of heap. {@link #IDLE_CONNECTIONS} of them at once; a benchmark-size
 * run may raise it with {@code -Dimlink.idleConnections=N}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class IdleConnectionsContract extends EngineFixture {
  /** How many idle sockets are held at once: 2,000 unless the system property says otherwise. */
  protected static final int IDLE_CONNECTIONS = Integer.getInteger("imlink.idleConnections", 2_000);
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  private static final Duration MARGIN = Duration.ofSeconds(5);
  /** Heap a held idle connection may cost, on average, on both ends together (they share this JVM). */
  private static final long HEAP_PER_CONNECTION = 64 * 1024;

  @Test
  void idleSocketsAreClosedByTheDeadlineWithThreadsAndHeapFlat() throws Exception {
    startServer(b -> b.authTimeout(DEADLINE)
        .transportOptions(baseOptions().handshakeTimeout(DEADLINE).build()));
    InetSocketAddress address = new InetSocketAddress(serverUri().getHost(), serverUri().getPort());
    // Warm up: a few sockets, closed at once, load the classes and start the transport's threads.
    long fdsAtStart = StressContract.openFileDescriptors();
    try (Selector warm = Selector.open()) {
      for (SocketChannel c : open(warm, address, 20)) {
        c.close();
      }
    }
    Await.until("the server saw the warm-up sockets close", () -> StressContract.openFileDescriptors() <= fdsAtStart);
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    System.gc();
    long heapBefore = memory.getHeapMemoryUsage().getUsed();
    int threadsBefore = Thread.activeCount();
    long fdsBefore = StressContract.openFileDescriptors();

    try (Selector selector = Selector.open()) {
      long opened = System.nanoTime();
      List<SocketChannel> idle = open(selector, address, IDLE_CONNECTIONS);
      long allOpen = System.nanoTime();
      if (fdsBefore >= 0) {
        // Both ends are in this process: the server has accepted them all when it holds as many
        // descriptors, unless its deadline has passed for the first ones meanwhile (a busy machine
        // accepts 2,000 sockets in more than 5 s): then it is closing them, as it should.
        long deadline = opened + DEADLINE.toNanos();
        Await.until("the server accepted every idle socket, or its deadline has begun closing them",
            () -> StressContract.openFileDescriptors() >= fdsBefore + 2L * IDLE_CONNECTIONS
                || System.nanoTime() - deadline > 0);
      }
      System.gc();
      long heapHeld = memory.getHeapMemoryUsage().getUsed();
      int threadsHeld = Thread.activeCount();
      assertThat(threadsHeld).as("threads while %d sockets are idle", IDLE_CONNECTIONS)
          .isLessThanOrEqualTo(threadsBefore + 2);
      assertThat(heapHeld - heapBefore).as("heap grown by %d idle sockets", IDLE_CONNECTIONS)
          .isLessThan(IDLE_CONNECTIONS * HEAP_PER_CONNECTION);

      int closed = awaitAllClosed(selector, idle, DEADLINE.multipliedBy(4));
      // Each socket is closed within the deadline of its accept, so the last within the deadline of
      // the last connect (plus a margin for the accept queue and a busy machine).
      Duration took = Duration.ofNanos(System.nanoTime() - allOpen);
      assertThat(closed).as("sockets the server closed within %s of the last connect", took).isEqualTo(IDLE_CONNECTIONS);
      assertThat(took).as("all closed by the deadline of %s after the last connect, with a margin", DEADLINE)
          .isLessThan(DEADLINE.plus(MARGIN));
    }
    assertThat(server.sessionCount()).isZero();
    Await.until("the server's threads are back", () -> Thread.activeCount() <= threadsBefore + 2);
  }

  /** Opens {@code n} sockets that never write, registered for reading on {@code selector}. */
  private static List<SocketChannel> open(Selector selector, InetSocketAddress address, int n) throws IOException {
    List<SocketChannel> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      SocketChannel c = SocketChannel.open(address);
      c.configureBlocking(false);
      c.register(selector, SelectionKey.OP_READ);
      out.add(c);
    }
    return out;
  }

  /**
   * Reads every socket until the server closes it (end of stream or a reset), or {@code within}
   * runs out; returns how many were closed. Bytes the server sends first (a TLS alert, an HTTP/2
   * GOAWAY, a WebSocket or imlink refusal) are read and ignored.
   */
  private static int awaitAllClosed(Selector selector, List<SocketChannel> channels, Duration within) throws IOException {
    ByteBuffer scratch = ByteBuffer.allocate(4096);
    long deadline = System.nanoTime() + within.toNanos();
    int closed = 0;
    while (closed < channels.size() && System.nanoTime() < deadline) {
      selector.select(100);
      Iterator<SelectionKey> it = selector.selectedKeys().iterator();
      while (it.hasNext()) {
        SelectionKey k = it.next();
        it.remove();
        SocketChannel c = (SocketChannel) k.channel();
        int n;
        try {
          scratch.clear();
          n = c.read(scratch);
        } catch (IOException reset) {
          n = -1;
        }
        if (n < 0) {
          k.cancel();
          c.close();
          closed++;
        }
      }
    }
    for (SocketChannel c : channels) {
      c.close();
    }
    return closed;
  }
}
