package io.imlink.transport.tcp.internal;

import io.imlink.api.spi.AcceptHandler;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.TransportOptions;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The server side of the TCP transport: a bound Netty server channel and its event loops. Over
 * {@code tcps} each connection is handed to the accept handler once its TLS handshake has
 * succeeded, which must happen within the handshake timeout of its accept.
 */
public final class TcpAcceptor implements Acceptor {
  /** Property: number of event loop threads of an acceptor (default: cores, at most 4). */
  public static final String IO_THREADS = "tcp.ioThreads";

  private final IoThreads threads;
  private final Channel serverChannel;
  private final Set<Channel> children;
  private final URI uri;
  private volatile boolean closed;

  private TcpAcceptor(IoThreads threads, Channel serverChannel, Set<Channel> children, URI uri) {
    this.threads = threads;
    this.serverChannel = serverChannel;
    this.children = children;
    this.uri = uri;
  }

  /** Binds, blocking until bound. */
  public static TcpAcceptor bind(URI address, TransportOptions options, AcceptHandler handler) throws IOException {
    InetSocketAddress bindTo = TcpAddresses.forBind(address);
    TcpTls tls = TcpTls.forServer(address, options);
    int ioThreads =
        options.property(IO_THREADS).map(Integer::parseInt)
            .orElse(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
    IoThreads threads = new IoThreads("imlink-tcp-server", ioThreads);
    int max = options.maxFrameSize();
    io.imlink.api.spi.WriteBudget budget = io.imlink.api.spi.WriteBudget.of(options);
    Set<Channel> children = ConcurrentHashMap.newKeySet();
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(threads.group())
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    children.add(ch);
                    ch.closeFuture().addListener(f -> children.remove(ch));
                    if (tls != null) {
                      ch.pipeline().addLast(tls.handler(ch.alloc(), null, 0));
                    }
                    ch.pipeline()
                        .addLast(new VarintFrameDecoder(max), VarintFrameEncoder.INSTANCE,
                            new NettyFrameChannel(ch, max, handler, tls != null, budget));
                  }
                });
    ChannelFuture bound = bootstrap.bind(bindTo).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      threads.shutdown();
      Throwable cause = bound.cause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException("cannot listen on " + address + ": " + cause, cause);
    }
    InetSocketAddress local = (InetSocketAddress) bound.channel().localAddress();
    return new TcpAcceptor(threads, bound.channel(), children, TcpAddresses.uri(address.getScheme(), address.getHost(), local.getPort()));
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) serverChannel.localAddress();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<ChannelFuture> closing = new ArrayList<>();
    closing.add(serverChannel.close());
    for (Channel ch : children) {
      NettyFrameChannel fc = ch.pipeline().get(NettyFrameChannel.class);
      if (fc != null) {
        fc.close();
      } else {
        ch.close();
      }
      closing.add(ch.closeFuture());
    }
    if (!threads.isIoThread()) {
      for (ChannelFuture f : closing) {
        f.awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
    threads.shutdown();
  }

  @Override
  public String toString() {
    return "TcpAcceptor[" + uri + "]";
  }
}
