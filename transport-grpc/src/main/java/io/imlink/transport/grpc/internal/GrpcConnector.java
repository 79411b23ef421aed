package io.imlink.transport.grpc.internal;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NegotiationType;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.PendingConnect;
import io.imlink.api.spi.TransportOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The client side of the gRPC transport: one {@link ManagedChannel} (one HTTP/2 connection) per
 * frame channel, all on one event loop thread owned by this connector; callbacks run on that
 * thread (direct executor), so gRPC's shared executors are never used.
 */
public final class GrpcConnector implements Connector {
  private final TransportOptions options;
  private final Set<GrpcClientChannel> channels = ConcurrentHashMap.newKeySet();
  private EventLoops loops; // guarded by this
  private SslContext ssl; // guarded by this
  private boolean closed; // guarded by this

  public GrpcConnector(TransportOptions options) {
    this.options = options;
  }

  private synchronized EventLoops loops() {
    if (closed) {
      throw new IllegalStateException("connector is closed");
    }
    if (loops == null) {
      loops = new EventLoops("imlink-grpc-client", 1);
    }
    return loops;
  }

  private synchronized SslContext ssl() {
    if (ssl == null) {
      try {
        ssl = options.sslContext().map(c -> TlsContexts.client(c))
            .orElseGet(() -> {
              try {
                return GrpcSslContexts.forClient().build();
              } catch (SSLException e) {
                throw new UncheckedIOException(e);
              }
            });
      } catch (UncheckedIOException e) {
        throw new IllegalStateException("cannot set up TLS for grpcs: " + e.getCause().getMessage(), e);
      }
    }
    return ssl;
  }

  @Override
  public CompletableFuture<FrameChannel> connect(URI target, FrameHandler handler) {
    GrpcOptions.check(target, false);
    EventLoops l = loops();
    long timeoutMs = options.connectTimeout().toMillis();
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(new InetSocketAddress(target.getHost(), target.getPort()))
        .eventLoopGroup(l.group())
        .channelType(NioSocketChannel.class)
        .directExecutor()
        .maxInboundMessageSize(options.maxFrameSize())
        .keepAliveTime(GrpcOptions.keepAlive(options).toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(GrpcOptions.keepAliveTimeout(options).toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveWithoutCalls(true)
        .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMs + 1_000))
        .withOption(ChannelOption.TCP_NODELAY, true)
        .disableRetry()
        .userAgent("imlink");
    if (GrpcOptions.secure(target)) {
      b.negotiationType(NegotiationType.TLS).sslContext(ssl());
    } else {
      b.usePlaintext();
    }
    GrpcClientChannel channel = new GrpcClientChannel(target, b.build(), options.maxFrameSize(),
        handler);
    channels.add(channel);
    channel.onFinished = () -> channels.remove(channel);
    var timeout = l.group().schedule(() -> channel.timedOut(timeoutMs), timeoutMs, TimeUnit.MILLISECONDS);
    CompletableFuture<FrameChannel> result = PendingConnect.bridge(channel.opened, timeout, channel::abandon);
    channel.start();
    return result;
  }

  @Override
  public void close() {
    EventLoops l;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      l = loops;
    }
    List<GrpcClientChannel> all = new ArrayList<>(channels);
    for (GrpcClientChannel c : all) {
      if (!c.opened.isDone()) {
        c.opened.completeExceptionally(new IOException("connector closed"));
        c.abandon();
      } else {
        c.close();
      }
    }
    for (GrpcClientChannel c : all) {
      try {
        if (!c.managed().awaitTermination(3, TimeUnit.SECONDS)) {
          c.abandon();
          c.managed().awaitTermination(2, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    channels.clear();
    if (l != null) {
      l.shutdown();
    }
  }
}
