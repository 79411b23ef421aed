package io.imlink.transport.grpc.internal;

import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An event loop group of gRPC's shaded Netty owned by one connector or acceptor, so that gRPC's
 * shared, lazily released default threads are never used; {@link #shutdown()} waits until its
 * threads have ended.
 */
final class EventLoops {
  private static final System.Logger log = System.getLogger(EventLoops.class.getName());

  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final MultiThreadIoEventLoopGroup group;

  EventLoops(String prefix, int count) {
    AtomicInteger n = new AtomicInteger();
    group = new MultiThreadIoEventLoopGroup(count, r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      threads.add(t);
      return t;
    }, NioIoHandler.newFactory());
  }

  EventLoopGroup group() {
    return group;
  }

  void shutdown() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    if (threads.contains(Thread.currentThread())) {
      return;
    }
    if (!group.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)) {
      log.log(Level.WARNING, "gRPC event loops did not stop within 5 s");
    }
    for (Thread t : threads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
