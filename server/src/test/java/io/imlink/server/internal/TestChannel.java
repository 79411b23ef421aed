package io.imlink.server.internal;

import io.imlink.server.spi.InboxStore;
import io.imlink.api.Limits;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.Frame;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * A connection as the server sees it through the transport SPI, in memory: it records every frame
 * the server sends, decoded, and hands the client's frames to the server's handler. Also builds the
 * server context these tests accept connections with.
 *
 * <p>Thread safety: the server may send from any thread; the test thread awaits and sends.
 */
class TestChannel implements FrameChannel {
  static final String APP = "app";

  final BlockingQueue<Frame> sent = new LinkedBlockingQueue<>();
  final AtomicBoolean open = new AtomicBoolean(true);
  final CountDownLatch closed = new CountDownLatch(1);
  final InetSocketAddress remote;
  volatile int maxFrameSize = Limits.MAX_FRAME_BYTES;
  FrameHandler handler;

  TestChannel(InetSocketAddress remote) {
    this.remote = remote;
  }

  /**
   * A server context for app {@value #APP}, with an in-memory state and the given inbox and
   * executors, its connect limiter at {@code connectsPerSecond} per address.
   */
  static ServerContext context(InboxStore inbox, ScheduledExecutorService scheduler, Executor workers, Executor sync,
      double connectsPerSecond) {
    Clock clock = Clock.systemUTC();
    ServerState state = ServerState.inMemory();
    SessionRegistry sessions = new SessionRegistry();
    io.imlink.server.spi.Cluster cluster = new LocalCluster().join(
        new io.imlink.server.spi.ClusterConfig(true, Map.of()), null);
    Counters counters = new Counters();
    return new ServerContext(new TokenService(Map.of(APP, "app-secret-0123"), null, clock, state), state, sessions,
        cluster, counters, clock, scheduler, Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(90),
        new ConnectLimiter(connectsPerSecond, (int) Math.min(Integer.MAX_VALUE, connectsPerSecond), clock),
        new ConnectionCaps(10_000, 1_000), io.imlink.api.spi.WriteBudget.of(io.imlink.api.spi.TransportOptions.defaults()),
        inbox, new NonceCache(),
        new MessageRouter(inbox, sessions, cluster, counters, clock), workers, sync, new AtomicBoolean(), new SecureRandom());
  }

  /** What a frame the server sent is: decoded, or null to record nothing. Throws if it is not a frame. */
  protected Frame decoded(byte[] frame) {
    try {
      return Frames.decode(frame);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public boolean send(byte[] frame) {
    if (!open.get()) {
      return false;
    }
    Frame f = decoded(frame);
    if (f != null) {
      sent.add(f);
    }
    return true;
  }

  @Override
  public void close() {
    if (open.compareAndSet(true, false)) {
      handler.onClosed(this, null);
      closed.countDown();
    }
  }

  @Override
  public boolean isOpen() {
    return open.get();
  }

  @Override
  public boolean isWritable() {
    return true;
  }

  @Override
  public int maxFrameSize() {
    return maxFrameSize;
  }

  @Override
  public SocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public SocketAddress localAddress() {
    return remote;
  }

  void fromClient(Frame f) {
    handler.onFrame(this, f.toByteArray());
  }

  /** The next frame the server sent that matches {@code p}, skipping others; fails after 10 s. */
  Frame await(String what, Predicate<Frame> p) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Frame f = sent.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (f == null) {
        throw new AssertionError("no " + what + " within 10 s");
      }
      if (p.test(f)) {
        return f;
      }
    }
  }
}
