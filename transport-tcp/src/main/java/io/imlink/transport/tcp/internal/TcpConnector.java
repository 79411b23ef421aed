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
import java.util.concurrent.atomic.AtomicReference;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * The client side of the TCP transport: one Netty event loop thread, started on first use. A
 * {@code tcps} connect completes once the TLS handshake has succeeded; the TCP connect and the
 * handshake together must finish within the connect timeout.
 */
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
    TcpTls tls = TcpTls.forClient(target, options);
    long deadline = System.nanoTime() + options.connectTimeout().toNanos();
    int max = options.maxFrameSize();
    // This connect's handlers, made by initChannel (on the event loop, at registration, before the
    // connect completes) and used by the connect's listener: not looked up in the pipeline, which a
    // connection closed at once (a reset right after the TCP connect) has already emptied when a
    // listener added after the connect completed runs.
    AtomicReference<NettyFrameChannel> frames = new AtomicReference<>();
    AtomicReference<SslHandler> handshake = new AtomicReference<>();
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
                    if (tls != null) {
                      SslHandler ssl = tls.handler(ch.alloc(), address.getHostString(), address.getPort());
                      handshake.set(ssl);
                      ch.pipeline().addLast(ssl);
                    }
                    NettyFrameChannel fc = new NettyFrameChannel(ch, max, handler, tls != null);
                    frames.set(fc);
                    ch.pipeline().addLast(new VarintFrameDecoder(max), VarintFrameEncoder.INSTANCE, fc);
                  }
                });
    CompletableFuture<FrameChannel> result = new CompletableFuture<>();
    pending.add(result);
    ChannelFuture connect = bootstrap.connect(address);
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            pending.remove(result);
            result.completeExceptionally(translate(f.cause(), target));
            return;
          }
          Channel ch = connect.channel();
          NettyFrameChannel fc = frames.get();
          channels.add(ch);
          ch.closeFuture().addListener(x -> channels.remove(ch));
          SslHandler ssl = handshake.get();
          if (ssl == null) {
            pending.remove(result);
            if (!result.complete(fc)) {
              fc.abandon();
            }
            return;
          }
          long left = deadline - System.nanoTime();
          ScheduledFuture<?> timer = ch.eventLoop().schedule(() -> {
            if (result.completeExceptionally(new SocketTimeoutException("connecting to " + target
                + " timed out after " + options.connectTimeout().toMillis() + " ms: the TLS handshake did not complete"))) {
              fc.abandon();
            }
          }, Math.max(0, left), TimeUnit.NANOSECONDS);
          ssl.handshakeFuture().addListener(h -> {
            timer.cancel(false);
            pending.remove(result);
            if (h.isSuccess()) {
              fc.handOver();
              if (!result.complete(fc)) {
                fc.abandon();
              }
            } else {
              if (!result.completeExceptionally(handshakeFailed(h.cause(), target))) {
                return;
              }
              fc.abandon();
            }
          });
        });
    result.whenComplete(
        (c, e) -> {
          if (result.isCancelled()) {
            pending.remove(result);
            if (!connect.cancel(false) && connect.isSuccess()) {
              NettyFrameChannel fc = frames.get();
              if (fc != null) {
                fc.abandon(); // cancelled during its TLS handshake
              }
            }
          }
        });
    return result;
  }

  /**
   * A failed TLS handshake: an {@link SSLException} (untrusted certificate, another host's, a peer
   * that does not speak TLS) stays one, with the target in its message; a connection the server
   * closed during the handshake is a plain {@link IOException}.
   */
  private static IOException handshakeFailed(Throwable cause, URI target) {
    if (cause instanceof SSLException ssl) {
      String why = reason(ssl);
      SSLException e = ssl instanceof SSLHandshakeException
          ? new SSLHandshakeException("TLS handshake with " + target + " failed: " + why)
          : new SSLException("TLS handshake with " + target + " failed: " + why);
      e.initCause(ssl);
      return e;
    }
    return new IOException("connection to " + target + " closed during the TLS handshake: " + cause, cause);
  }

  /**
   * What went wrong, said once: the exception's message, and its cause's where that says more.
   * OpenSSL's is only "General OpenSslEngine problem", the trust manager's refusal (another host, an
   * expired certificate, a pin) being its cause; the JDK's often names its cause already.
   */
  private static String reason(SSLException ssl) {
    String message = String.valueOf(ssl.getMessage());
    Throwable cause = ssl.getCause();
    if (cause == null || cause.getMessage() == null || message.contains(cause.getMessage())) {
      return message;
    }
    return message + ": " + cause.getMessage();
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
