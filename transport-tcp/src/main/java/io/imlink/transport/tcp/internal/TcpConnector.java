package io.imlink.transport.tcp.internal;

import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.TransportOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The client side of the TCP transport: one Netty event loop thread, started on first use. */
public final class TcpConnector implements Connector {
  private final TransportOptions options;
  private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
  private final Set<CompletableFuture<FrameChannel>> pending = ConcurrentHashMap.newKeySet();
  private IoThreads threads; // guarded by this
  private boolean closed; // guarded by this

  public TcpConnector(TransportOptions options) {
    this.options = options;
  }

  private synchronized IoThreads threads() {
    if (closed) {
      throw new IllegalStateException("connector is closed");
    }
    if (threads == null) {
      threads = new IoThreads("imlink-tcp-client", 1);
    }
    return threads;
  }

  @Override
  public CompletableFuture<FrameChannel> connect(URI target, FrameHandler handler) {
    InetSocketAddress address = TcpAddresses.forConnect(target);
    int max = options.maxFrameSize();
    Bootstrap bootstrap =
        new Bootstrap()
            .group(threads().group())
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new VarintFrameDecoder(max), VarintFrameEncoder.INSTANCE, new NettyFrameChannel(ch, max, handler));
                  }
                });
    CompletableFuture<FrameChannel> result = new CompletableFuture<>();
    pending.add(result);
    ChannelFuture connect = bootstrap.connect(address);
    connect.addListener(
        f -> {
          pending.remove(result);
          if (f.isSuccess()) {
            Channel ch = connect.channel();
            NettyFrameChannel fc = ch.pipeline().get(NettyFrameChannel.class);
            channels.add(ch);
            ch.closeFuture().addListener(x -> channels.remove(ch));
            if (!result.complete(fc)) {
              fc.abandon();
            }
          } else {
            result.completeExceptionally(translate(f.cause(), target));
          }
        });
    result.whenComplete(
        (c, e) -> {
          if (result.isCancelled()) {
            pending.remove(result);
            connect.cancel(false);
          }
        });
    return result;
  }

  private IOException translate(Throwable cause, URI target) {
    if (cause instanceof io.netty.channel.ConnectTimeoutException) {
      SocketTimeoutException e =
          new SocketTimeoutException(
              "connecting to " + target + " timed out after " + options.connectTimeout().toMillis() + " ms");
      e.initCause(cause);
      return e;
    }
    if (cause instanceof ConnectException) {
      ConnectException e = new ConnectException("cannot connect to " + target + ": " + cause.getMessage());
      e.initCause(cause);
      return e;
    }
    if (cause instanceof IOException io) {
      return io;
    }
    return new IOException("cannot connect to " + target + ": " + cause, cause);
  }

  @Override
  public void close() {
    IoThreads t;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      t = threads;
    }
    for (CompletableFuture<FrameChannel> f : pending) {
      f.completeExceptionally(new IOException("connector closed"));
    }
    List<ChannelFuture> closing = new ArrayList<>();
    for (Channel ch : channels) {
      NettyFrameChannel fc = ch.pipeline().get(NettyFrameChannel.class);
      if (fc != null) {
        fc.close();
      }
      closing.add(ch.closeFuture());
    }
    if (t != null) {
      if (!t.isIoThread()) {
        for (ChannelFuture f : closing) {
          f.awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
      }
      t.shutdown();
    }
  }
}
