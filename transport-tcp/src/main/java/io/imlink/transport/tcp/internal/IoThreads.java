package io.imlink.transport.tcp.internal;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.lang.System.Logger.Level;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Netty event loop group of one connector or acceptor, with daemon threads named after their
 * owner. {@link #shutdown()} waits until every thread it created has ended.
 */
final class IoThreads {
  private static final System.Logger log = System.getLogger(IoThreads.class.getName());

  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  private final MultiThreadIoEventLoopGroup group;

  IoThreads(String namePrefix, int count) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory =
        r -> {
          Thread t = new FastThreadLocalThread(r, namePrefix + "-" + n.incrementAndGet());
          t.setDaemon(true);
          threads.add(t);
          return t;
        };
    this.group = new MultiThreadIoEventLoopGroup(count, factory, NioIoHandler.newFactory());
  }

  MultiThreadIoEventLoopGroup group() {
    return group;
  }

  boolean isIoThread() {
    return threads.contains(Thread.currentThread());
  }

  /** Stops the event loops and waits (bounded) until their threads have ended. */
  void shutdown() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    if (isIoThread()) {
      return; // cannot wait for ourselves; the loop ends after this task
    }
    if (!group.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS)) {
      log.log(Level.WARNING, "Netty event loops did not stop within 5 s");
    }
    for (Thread t : threads) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
