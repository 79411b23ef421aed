package io.imlink.transport.grpc.internal;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import io.grpc.netty.shaded.io.netty.util.concurrent.ScheduledFuture;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The handshake timeout of a gRPC server: each HTTP/2 connection must have a {@code Session}
 * stream open within the timeout of its TCP accept — covering TLS, the HTTP/2 preface and the
 * stream's headers — and again within the timeout of its last stream ending; a connection that has
 * not is closed. grpc-java alone does not bound this: its {@code handshakeTimeout} ends at the
 * client's first SETTINGS frame, and {@code maxConnectionIdle} ends a connection with a graceful
 * GOAWAY that waits up to 10 s more for a PING answer the peer need not give.
 *
 * <p>The server's channel ({@link #serverChannels}) reports each accepted connection; the acceptor
 * reports each stream it hands over ({@link #streamOpened}) and, through the returned {@link
 * Connection}, its end. Connections are matched to streams by their remote address, unique among
 * the open connections of one listener.
 *
 * <p>Thread safety: every method may be called from any thread; the timers run on the boss event
 * loop. None blocks.
 */
final class StreamDeadlines {
  private static final System.Logger log = System.getLogger(GrpcAcceptor.class.getName());

  private final long timeoutNanos;
  private final Map<SocketAddress, Connection> open = new ConcurrentHashMap<>();

  StreamDeadlines(Duration timeout) {
    this.timeoutNanos = timeout.toNanos();
  }

  /** Makes the server's listening channel, which tells these deadlines of every accepted connection. */
  ChannelFactory<ServerChannel> serverChannels() {
    return () -> {
      NioServerSocketChannel server = new NioServerSocketChannel();
      // First in the pipeline: it sees each accepted connection before the server bootstrap takes it.
      server.pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
          if (msg instanceof Channel child) {
            accepted(child, ctx.executor());
          }
          ctx.fireChannelRead(msg);
        }
      });
      return server;
    };
  }

  private void accepted(Channel child, EventExecutor timers) {
    SocketAddress remote = child.remoteAddress();
    if (remote == null) {
      return; // already gone
    }
    Connection c = new Connection(child, timers);
    open.put(remote, c);
    child.closeFuture().addListener(f -> {
      open.remove(remote, c);
      c.stop();
    });
    c.arm();
  }

  /**
   * A stream from {@code remote} has been handed over; returns its connection, to be told when the
   * stream ends, or null if the connection is unknown (closed meanwhile).
   */
  Connection streamOpened(SocketAddress remote) {
    Connection c = remote == null ? null : open.get(remote);
    if (c != null) {
      c.streamOpened();
    }
    return c;
  }

  /** One accepted connection: its open streams and its deadline while it has none. */
  final class Connection {
    private final Channel channel;
    private final EventExecutor timers;
    private int streams; // guarded by this
    private long generation; // guarded by this: which timer is the current one
    private ScheduledFuture<?> timer; // guarded by this
    private boolean stopped; // guarded by this

    private Connection(Channel channel, EventExecutor timers) {
      this.channel = channel;
      this.timers = timers;
    }

    private synchronized void arm() {
      if (stopped) {
        return;
      }
      long g = ++generation;
      try {
        timer = timers.schedule(() -> expired(g), timeoutNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException stopping) {
        // the acceptor is closing, and closes this connection with the others
      }
    }

    private synchronized void streamOpened() {
      streams++;
      cancelTimer();
    }

    /** A stream handed over on this connection has ended. */
    synchronized void streamEnded() {
      if (--streams == 0) {
        arm();
      }
    }

    private synchronized void stop() {
      stopped = true;
      cancelTimer();
    }

    private void cancelTimer() {
      generation++;
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    private void expired(long g) {
      synchronized (this) {
        if (g != generation || streams > 0 || stopped) {
          return;
        }
      }
      log.log(Level.DEBUG, () -> "gRPC: closing " + channel.remoteAddress() + ": no stream within the handshake timeout");
      closeNow();
    }

    /**
     * Closes the connection at once, its streams with it: for a peer that does not read, whose
     * graceful end (trailers, GOAWAY) would wait behind what it does not read. Any thread.
     */
    void closeNow() {
      // Closed beneath gRPC's handlers: gRPC takes a close() for a graceful shutdown (a GOAWAY and a
      // PING whose answer it awaits up to 10 s), which a stalled peer would stretch.
      ChannelHandlerContext first = channel.pipeline().firstContext();
      if (first != null) {
        first.close();
      } else {
        channel.close();
      }
    }
  }
}
