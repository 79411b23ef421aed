package io.imlink.transport.tcp.internal;

import io.imlink.api.spi.AcceptHandler;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.WriteBudget;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TCP connection as a {@link FrameChannel}, and the last handler of its pipeline.
 *
 * <p>Sends from any thread go through a queue drained on the event loop, one flush per drain: a
 * burst of frames from many threads costs one system call, and frames from one thread keep their
 * order. {@link FrameHandler#onClosed} is reported once, from {@code channelInactive}, with the
 * first error seen (if any).
 *
 * <p>Over TLS ({@code tcps}) nothing reaches a handler before the TLS handshake has succeeded: a
 * server channel is handed to its {@link AcceptHandler} on the handshake's success event, a client
 * channel once its connector calls {@link #handOver()}; a connection that fails or times out in its
 * handshake closes without its handler ever hearing of it.
 *
 * <p>A server channel keeps to its {@link WriteBudget}: the bytes waiting in that queue plus those
 * in Netty's outbound buffer ({@link #pendingBytes()}); a send that takes them over it drops the
 * connection (the peer reads too slowly; TCP has no means to tell it why).
 */
final class NettyFrameChannel extends ChannelInboundHandlerAdapter implements FrameChannel {
  private static final System.Logger log = System.getLogger(NettyFrameChannel.class.getName());

  private final Channel channel;
  private final int maxFrameSize;
  private final AcceptHandler acceptHandler; // server side only
  private final WriteBudget budget;
  private final AtomicLong queuedBytes = new AtomicLong(); // in outbound, not yet handed to Netty
  private volatile boolean dropped; // over the budget: nothing more is queued
  private volatile FrameHandler handler; // fixed before the first event
  private volatile Throwable cause;
  private volatile boolean abandoned;
  /** Whether the channel has been given to its user (the accept handler or the connect future). */
  private volatile boolean handedOver;
  private final boolean tls;
  private final Queue<byte[]> outbound = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicBoolean closeReported = new AtomicBoolean();
  private final Runnable drain = this::drain;
  private volatile SocketAddress remoteAddress;
  private volatile SocketAddress localAddress;

  /**
   * A client channel: its handler is known up front; over TLS it hears nothing until {@link
   * #handOver()}.
   */
  NettyFrameChannel(Channel channel, int maxFrameSize, FrameHandler handler, boolean tls) {
    this.channel = channel;
    this.maxFrameSize = maxFrameSize;
    this.handler = handler;
    this.acceptHandler = null;
    this.tls = tls;
    this.handedOver = !tls;
    this.budget = WriteBudget.UNBOUNDED;
  }

  /**
   * A server channel: its handler comes from {@code acceptHandler} once the channel is active, or
   * over TLS once the handshake has succeeded.
   */
  NettyFrameChannel(Channel channel, int maxFrameSize, AcceptHandler acceptHandler, boolean tls) {
    this(channel, maxFrameSize, acceptHandler, tls, WriteBudget.UNBOUNDED);
  }

  /** A server channel, as above, that keeps to {@code budget}. */
  NettyFrameChannel(Channel channel, int maxFrameSize, AcceptHandler acceptHandler, boolean tls, WriteBudget budget) {
    this.channel = channel;
    this.maxFrameSize = maxFrameSize;
    this.acceptHandler = acceptHandler;
    this.tls = tls;
    this.budget = budget;
  }

  /** A client channel's TLS handshake has succeeded: from now on its handler hears of it. */
  void handOver() {
    handedOver = true;
  }

  Channel channel() {
    return channel;
  }

  /** A client channel whose connect future was cancelled: close it without telling anyone. */
  void abandon() {
    abandoned = true;
    channel.close();
  }

  @Override
  public boolean send(byte[] frame) {
    if (frame.length > maxFrameSize) {
      throw new IllegalArgumentException(
          "frame of " + frame.length + " bytes exceeds the maximum frame size of " + maxFrameSize + " bytes");
    }
    if (!channel.isOpen()) {
      return false;
    }
    if (dropped) {
      return false;
    }
    long pending = pendingBytes() + frame.length;
    if (!budget.admits(pending)) { // checked before queuing: a dropped peer's frames are never held
      dropped = true;
      dropTooSlow(pending);
      return false;
    }
    queuedBytes.addAndGet(frame.length);
    outbound.add(frame);
    if (drainScheduled.compareAndSet(false, true)) {
      channel.eventLoop().execute(drain);
    }
    return true;
  }

  @Override
  public long pendingBytes() {
    ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
    return queuedBytes.get() + (buffer == null ? 0 : buffer.totalPendingWriteBytes());
  }

  /** The peer reads too slowly: discards what waits and closes, the budget's error as the cause. */
  private void dropTooSlow(long pending) {
    if (cause == null) {
      cause = budget.exceeded(pending);
    }
    channel.eventLoop().execute(() -> {
      outbound.clear();
      queuedBytes.set(0);
      channel.close();
    });
  }

  /** On the event loop: writes everything queued, then flushes once. */
  private void drain() {
    drainScheduled.set(false);
    byte[] frame;
    boolean wrote = false;
    while ((frame = outbound.poll()) != null) {
      channel.write(frame, channel.voidPromise());
      // Uncounted only once Netty's buffer counts it: between the two, a send on another thread
      // would see the frame in neither and could take the connection past its budget.
      queuedBytes.addAndGet(-frame.length);
      wrote = true;
    }
    if (wrote) {
      channel.flush();
    }
  }

  @Override
  public void close() {
    if (channel.eventLoop().inEventLoop()) {
      drain();
      channel.close();
    } else {
      channel.eventLoop().execute(() -> {
        drain();
        channel.close();
      });
    }
  }

  @Override
  public boolean isOpen() {
    return channel.isActive();
  }

  @Override
  public boolean isWritable() {
    return channel.isWritable();
  }

  @Override
  public int maxFrameSize() {
    return maxFrameSize;
  }

  @Override
  public SocketAddress remoteAddress() {
    SocketAddress a = remoteAddress;
    return a != null ? a : channel.remoteAddress();
  }

  @Override
  public SocketAddress localAddress() {
    SocketAddress a = localAddress;
    return a != null ? a : channel.localAddress();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    remoteAddress = channel.remoteAddress();
    localAddress = channel.localAddress();
    if (acceptHandler != null && !tls && !accept(ctx)) {
      return;
    }
    ctx.fireChannelActive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (event instanceof SslHandshakeCompletionEvent done && acceptHandler != null && tls) {
      if (!done.isSuccess()) {
        log.log(Level.DEBUG, () -> "TLS handshake from " + remoteAddress + " failed: " + done.cause());
        return; // the SslHandler closes the connection
      }
      if (!accept(ctx)) {
        return;
      }
    }
    ctx.fireUserEventTriggered(event);
  }

  /** Hands a server channel to its accept handler; false if that failed and the channel is closing. */
  private boolean accept(ChannelHandlerContext ctx) {
    try {
      FrameHandler h = acceptHandler.onAccepted(this);
      if (h == null) {
        throw new IllegalStateException("AcceptHandler returned a null FrameHandler");
      }
      handler = h;
      handedOver = true;
      return true;
    } catch (RuntimeException | Error e) {
      log.log(Level.WARNING, "accept handler failed; closing the connection", e);
      ctx.close();
      return false;
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    FrameHandler h = handler;
    if (h == null || !handedOver || abandoned || cause != null) {
      return;
    }
    try {
      h.onFrame(this, (byte[]) msg);
    } catch (RuntimeException | Error e) {
      fail(ctx, e);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    FrameHandler h = handler;
    if (h != null && handedOver && !abandoned) {
      try {
        h.onWritabilityChanged(this, channel.isWritable());
      } catch (RuntimeException | Error e) {
        fail(ctx, e);
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
    Throwable real = t instanceof DecoderException && t.getCause() != null ? t.getCause() : t;
    fail(ctx, real);
  }

  private void fail(ChannelHandlerContext ctx, Throwable t) {
    if (cause == null) {
      cause = t;
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    reportClosed();
    ctx.fireChannelInactive();
  }

  private void reportClosed() {
    FrameHandler h = handler;
    if (h == null || !handedOver || abandoned || !closeReported.compareAndSet(false, true)) {
      return;
    }
    outbound.clear();
    try {
      h.onClosed(this, cause);
    } catch (RuntimeException | Error e) {
      log.log(Level.WARNING, "FrameHandler.onClosed threw; ignored", e);
    }
  }

  @Override
  public String toString() {
    return (tls ? "tcps[" : "tcp[") + localAddress() + " -> " + remoteAddress() + "]";
  }
}
