package io.imlink.transport.grpc.internal;

import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.imlink.api.spi.AcceptHandler;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.TransportOptions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The server side of the gRPC transport: a grpc-java server with the {@code imlink.v1.Session}
 * service, on event loops owned by this acceptor, callbacks on those loops (direct executor).
 * Each stream is told how it ended through a stream tracer, which sees the real status (an
 * oversized message is {@code RESOURCE_EXHAUSTED}). A connection without a stream is closed after
 * the handshake timeout ({@link StreamDeadlines}).
 */
public final class GrpcAcceptor implements Acceptor {
  private static final System.Logger log = System.getLogger(GrpcAcceptor.class.getName());

  /** Links a stream's tracer to its channel: the tracer is made first, the channel in startCall. */
  private static final Context.Key<StreamLink> LINK = Context.key("imlink-stream");
  /** How long close waits for streams that are already ending to deliver what they queued, before it cancels the rest. */
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(1);

  private static final class StreamLink {
    volatile GrpcServerChannel channel;
    volatile Status endedBeforeStart;
    /** The stream's connection, told when the stream ends (see {@link StreamDeadlines}). */
    volatile StreamDeadlines.Connection connection;
  }

  private final Server server;
  private final EventLoops boss;
  private final EventLoops workers;
  private final URI uri;
  private volatile boolean closed;

  private GrpcAcceptor(Server server, EventLoops boss, EventLoops workers, URI uri) {
    this.server = server;
    this.boss = boss;
    this.workers = workers;
    this.uri = uri;
  }

  /** Binds, blocking until the server listens. */
  public static GrpcAcceptor bind(URI address, TransportOptions options, AcceptHandler handler) throws IOException {
    GrpcOptions.check(address, true);
    int max = options.maxFrameSize();
    io.imlink.api.spi.WriteBudget budget = GrpcOptions.budget(options);
    StreamDeadlines deadlines = new StreamDeadlines(options.handshakeTimeout());
    ServerCallHandler<byte[], byte[]> calls = (call, headers) -> {
      GrpcServerChannel channel = new GrpcServerChannel(call, max, budget);
      StreamLink link = LINK.get();
      StreamDeadlines.Connection connection = deadlines.streamOpened(channel.remoteAddress());
      if (link != null) {
        link.connection = connection;
      }
      channel.connection(connection);
      call.sendHeaders(new Metadata()); // tells the client the stream is accepted
      try {
        FrameHandler h = handler.onAccepted(channel);
        if (h == null) {
          throw new IllegalStateException("AcceptHandler returned a null FrameHandler");
        }
        channel.handler(h);
      } catch (RuntimeException | Error e) {
        log.log(Level.WARNING, "accept handler failed; closing the stream", e);
        call.close(Status.INTERNAL.withDescription("not accepted"), new Metadata());
        return new ServerCall.Listener<>() {};
      }
      if (link != null) {
        link.channel = channel;
        if (link.endedBeforeStart != null) {
          channel.ended(link.endedBeforeStart, null);
        }
      }
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(byte[] frame) {
          channel.deliver(frame);
          call.request(1);
        }

        @Override
        public void onHalfClose() {
          channel.close(); // the client ended its side: end ours in order
        }

        @Override
        public void onReady() {
          channel.onReady();
        }

        @Override
        public void onCancel() {
          if (link == null) {
            channel.ended(Status.CANCELLED, null);
          }
        }

        @Override
        public void onComplete() {
          if (link == null) {
            channel.ended(Status.OK, null);
          }
        }
      };
    };
    ServerStreamTracer.Factory tracers = new ServerStreamTracer.Factory() {
      @Override
      public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        StreamLink link = new StreamLink();
        return new ServerStreamTracer() {
          @Override
          public Context filterContext(Context context) {
            return context.withValue(LINK, link);
          }

          @Override
          public void streamClosed(Status status) {
            StreamDeadlines.Connection connection = link.connection;
            if (connection != null) {
              connection.streamEnded();
            }
            GrpcServerChannel c = link.channel;
            if (c != null) {
              c.ended(status, null);
            } else {
              link.endedBeforeStart = status;
            }
          }
        };
      }
    };

    EventLoops boss = new EventLoops("imlink-grpc-boss", 1);
    EventLoops workers = new EventLoops("imlink-grpc-server", GrpcOptions.ioThreads(options));
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(address.getHost(), address.getPort()))
        .channelFactory(deadlines.serverChannels())
        .bossEventLoopGroup(boss.group())
        .workerEventLoopGroup(workers.group())
        .directExecutor()
        .maxInboundMessageSize(max)
        .permitKeepAliveTime(5, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .maxConcurrentCallsPerConnection(GrpcOptions.maxStreams(options))
        .maxRstFramesPerWindow(GrpcOptions.maxResets(options), GrpcOptions.RESET_WINDOW_SECONDS)
        .keepAliveTime(GrpcOptions.keepAlive(options).toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(GrpcOptions.keepAliveTimeout(options).toMillis(), TimeUnit.MILLISECONDS)
        .addStreamTracerFactory(tracers)
        .addService(ServerServiceDefinition.builder(SessionMethod.SERVICE).addMethod(SessionMethod.CONNECT, calls).build());
    if (GrpcOptions.secure(address)) {
      b.sslContext(TlsContexts.server(options.sslContext().orElseThrow(
          () -> new IllegalArgumentException("grpcs:// needs an SSLContext in the TransportOptions"))));
    }
    Server server = b.build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      server.shutdownNow();
      workers.shutdown();
      boss.shutdown();
      throw e instanceof IOException io ? io : new IOException("cannot listen on " + address + ": " + e, e);
    }
    int port = ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    String host = address.getHost().contains(":") && !address.getHost().startsWith("[") ? "[" + address.getHost() + "]"
        : address.getHost();
    return new GrpcAcceptor(server, boss, workers,
        URI.create(address.getScheme().toLowerCase(Locale.ROOT) + "://" + host + ":" + port));
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // First without cancelling: a stream the server has just closed (after a last Disconnect
    // frame, as ImServer.close does for every session) still delivers what it queued, which over
    // TLS takes long enough that a cancel cut it off (the client saw 30011 instead of 31003). Then
    // every stream still open is cancelled, and each reports its close.
    server.shutdown();
    try {
      if (!server.awaitTermination(CLOSE_GRACE.toNanos(), TimeUnit.NANOSECONDS)) {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    workers.shutdown();
    boss.shutdown();
  }

  @Override
  public String toString() {
    return "GrpcAcceptor[" + uri + "]";
  }
}
