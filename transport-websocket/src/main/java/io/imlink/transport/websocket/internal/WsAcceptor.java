package io.imlink.transport.websocket.internal;

import io.imlink.api.spi.AcceptHandler;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.TransportOptions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.java_websocket.WebSocket;
import org.java_websocket.drafts.Draft;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshakeBuilder;
import org.java_websocket.server.DefaultSSLWebSocketServerFactory;
import org.java_websocket.server.DefaultWebSocketServerFactory;
import org.java_websocket.server.WebSocketServer;

/**
 * The server side of the WebSocket transport: a Java-WebSocket server (one selector thread and
 * {@value WsOptions#WORKERS} decoder threads) serving one path; handshakes for other paths are
 * refused. Its connections are {@link GuardedConnection}s: handshake deadline and size cap, frames
 * checked by a {@link FrameGuard}, failures confined to their connection; refusals are logged by
 * one {@link RefusalLog}. A timer thread runs the handshake deadlines and the write check.
 */
public final class WsAcceptor implements Acceptor {
  private static final System.Logger log = System.getLogger(WsAcceptor.class.getName());

  /** How often queued outbound data is checked for a lost write wake-up. */
  static final long FLUSH_CHECK_MS = 10;

  /** How long after a failed attempt the acceptor tries again to listen. */
  static final long RELISTEN_RETRY_MS = 100;

  private final Servers servers;
  private final URI uri;
  private final ScheduledThreadPoolExecutor timers;
  private final RefusalLog refusals;
  /** Every server started, the listening one last; the others serve what they accepted before. */
  private final List<Server> all = new CopyOnWriteArrayList<>();
  private volatile Server current;
  private long nextRelistenAt; // timer thread only
  private volatile boolean closed;

  private WsAcceptor(Servers servers, Server first, URI uri, ScheduledThreadPoolExecutor timers, RefusalLog refusals) {
    this.servers = servers;
    this.current = first;
    this.uri = uri;
    this.timers = timers;
    this.refusals = refusals;
    all.add(first);
    // Java-WebSocket's server can lose a write wake-up: its selector thread, having drained a
    // connection's queue, sets the connection back to read-only interest, and a frame queued by
    // another thread at that moment (a send, a close, a ping) waits until the peer sends
    // something — possibly for ever. This checks every connection's queue and wakes the writer,
    // also of a closing connection: its close frame is such a write, and the server ends the TCP
    // connection only once that frame is out.
    timers.scheduleWithFixedDelay(this::tick, FLUSH_CHECK_MS, FLUSH_CHECK_MS, TimeUnit.MILLISECONDS);
  }

  private static ScheduledThreadPoolExecutor newTimers() {
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
      Thread thread = new Thread(r, "imlink-ws-server-timer");
      thread.setDaemon(true);
      return thread;
    });
    t.setRemoveOnCancelPolicy(true); // a deadline cancelled by a completed handshake is dropped at once
    return t;
  }

  private void tick() {
    try {
      for (Server server : all) {
        flushStuckWrites(server);
      }
      listenAgainIfClosed();
    } catch (RuntimeException | Error e) {
      log.log(Level.DEBUG, "the acceptor's periodic check failed", e);
    }
  }

  private static void flushStuckWrites(Server server) {
    for (WebSocket conn : server.getConnections()) {
      if (conn instanceof org.java_websocket.WebSocketImpl impl && !impl.outQueue.isEmpty() && !conn.isClosed()) {
        server.onWriteDemand(conn);
      }
    }
  }

  /**
   * Java-WebSocket closes its listening socket for good when an accept fails (with "too many open
   * files", say, in a flood of connections): its selector loop takes the accept's IOException for
   * the listening channel's own. The open connections go on being served, but no new one is
   * accepted. This notices it and starts a new server on the same port, trying again every {@value
   * #RELISTEN_RETRY_MS} ms while it cannot bind; the old server keeps its connections until the
   * acceptor closes.
   */
  private void listenAgainIfClosed() {
    ServerSocketChannel listening = current.listening;
    if (closed || listening == null || listening.isOpen()) {
      return;
    }
    long now = System.nanoTime();
    if (now - nextRelistenAt < 0) {
      return;
    }
    nextRelistenAt = now + TimeUnit.MILLISECONDS.toNanos(RELISTEN_RETRY_MS);
    try {
      Server fresh = servers.start(uri.getPort());
      if (closed) {
        stopQuietly(fresh);
        return;
      }
      all.add(fresh);
      current = fresh;
      refusals.listener("the listener on port " + uri.getPort()
          + " was closed by the library after a failed accept (out of file descriptors?); listening again", true);
    } catch (IOException | RuntimeException e) {
      refusals.listener("cannot listen again on port " + uri.getPort() + " yet: " + e, false);
    }
  }

  /** Makes and starts the servers of one acceptor, all alike but for the port. */
  private record Servers(URI address, TransportOptions options, String path, AcceptHandler handler,
      ScheduledThreadPoolExecutor timers, RefusalLog refusals) {

    /** Starts a server on {@code port} (0: any), blocking until it listens. */
    Server start(int port) throws IOException {
      org.java_websocket.WebSocketServerFactory channels = WsOptions.secure(address)
          ? new DefaultSSLWebSocketServerFactory(options.sslContext().orElseThrow(
              () -> new IllegalArgumentException("wss:// needs an SSLContext in the TransportOptions")))
          : new DefaultWebSocketServerFactory();
      Server server = new Server(new InetSocketAddress(address.getHost(), port), options, path, handler, refusals);
      server.setWebSocketFactory(new GuardedConnection.Factory(channels, timers, options.handshakeTimeout(),
          WsOptions.maxHandshakeBytes(options), options.maxFrameSize(), refusals));
      server.start();
      try {
        server.started.get(10, TimeUnit.SECONDS);
        return server;
      } catch (ExecutionException e) {
        stopQuietly(server);
        Throwable cause = e.getCause();
        throw cause instanceof IOException io ? io : new IOException("cannot listen on " + address + ": " + cause, cause);
      } catch (TimeoutException e) {
        stopQuietly(server);
        throw new IOException("WebSocket server on " + address + " did not start within 10 s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stopQuietly(server);
        throw new IOException("interrupted while starting the WebSocket server", e);
      }
    }
  }

  /** Binds, blocking until the server listens. */
  public static WsAcceptor bind(URI address, TransportOptions options, AcceptHandler handler) throws IOException {
    WsOptions.check(address, true);
    String path = WsOptions.path(address, options);
    WsOptions.maxHandshakeBytes(options); // refuses a bad value before anything starts
    ScheduledThreadPoolExecutor timers = newTimers();
    RefusalLog refusals = new RefusalLog();
    Servers servers = new Servers(address, options, path, handler, timers, refusals);
    Server first;
    try {
      first = servers.start(address.getPort());
    } catch (IOException | RuntimeException | Error e) {
      timers.shutdownNow();
      throw e;
    }
    String host = address.getHost().contains(":") && !address.getHost().startsWith("[") ? "[" + address.getHost() + "]"
        : address.getHost();
    URI bound = URI.create(address.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + host + ":" + first.getPort() + path);
    return new WsAcceptor(servers, first, bound, timers, refusals);
  }

  private static void stopQuietly(Server server) {
    try {
      server.stop(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public URI uri() {
    return uri;
  }

  @Override
  public InetSocketAddress localAddress() {
    Server server = current;
    return new InetSocketAddress(server.getAddress().getAddress(), uri.getPort());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // Close every connection first, while the flusher still guards against lost write wake-ups,
    // and give the close handshakes a moment; then stop the servers, which join their threads and
    // drop whatever connection is left.
    for (Server server : all) {
      for (WebSocket conn : server.getConnections()) {
        conn.close(CloseFrame.GOING_AWAY);
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (all.stream().anyMatch(s -> !s.getConnections().isEmpty()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    timers.shutdownNow();
    try {
      timers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (Server server : all) { // after the timer: no server is started any more
      stopQuietly(server);
    }
    refusals.close();
  }

  @Override
  public String toString() {
    return "WsAcceptor[" + uri + "]";
  }

  private static final class Server extends WebSocketServer {
    final CompletableFuture<Void> started = new CompletableFuture<>();
    private final String path;
    private final AcceptHandler acceptHandler;
    private final int maxFrameSize;
    private final io.imlink.api.spi.WriteBudget budget;
    final RefusalLog refusals;
    /** The listening channel, known from the first accept on. */
    volatile ServerSocketChannel listening;

    Server(InetSocketAddress address, TransportOptions options, String path, AcceptHandler acceptHandler,
        RefusalLog refusals) {
      super(address, WsOptions.workers(options), List.<Draft>of(WsOptions.serverDraft(options)));
      this.path = path;
      this.acceptHandler = acceptHandler;
      this.maxFrameSize = options.maxFrameSize();
      this.budget = io.imlink.api.spi.WriteBudget.of(options);
      this.refusals = refusals;
      setReuseAddr(true);
      setMaxPendingConnections(1024); // the accept backlog, as the TCP transport's (the JDK default is 50)
      setTcpNoDelay(true);
      setDaemon(true);
      setConnectionLostTimeout(WsOptions.connectionLostTimeout(options));
    }

    @Override
    public ServerHandshakeBuilder onWebsocketHandshakeReceivedAsServer(WebSocket conn, Draft draft, ClientHandshake request)
        throws InvalidDataException {
      String resource = request.getResourceDescriptor();
      int query = resource.indexOf('?');
      if (!(query < 0 ? resource : resource.substring(0, query)).equals(path)) {
        throw new InvalidDataException(CloseFrame.POLICY_VALIDATION, "no imlink endpoint at " + resource);
      }
      return super.onWebsocketHandshakeReceivedAsServer(conn, draft, request);
    }

    @Override
    public void onStart() {
      started.complete(null);
    }

    /** Called by the selector thread before each accept, with the listening channel's key. */
    @Override
    protected boolean onConnect(SelectionKey key) {
      if (listening == null && key.channel() instanceof ServerSocketChannel channel) {
        listening = channel;
      }
      return true;
    }

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
      if (conn instanceof GuardedConnection guarded) {
        guarded.handshakeDone();
      }
      WsServerChannel channel = new WsServerChannel(conn, maxFrameSize, budget);
      conn.setAttachment(channel);
      try {
        FrameHandler h = acceptHandler.onAccepted(channel);
        if (h == null) {
          throw new IllegalStateException("AcceptHandler returned a null FrameHandler");
        }
        channel.state.handler(h);
      } catch (RuntimeException | Error e) {
        refusals.failed(conn.getRemoteSocketAddress(), "the accept handler failed; closing the connection", e);
        conn.close(CloseFrame.UNEXPECTED_CONDITION);
      }
    }

    /** Called by the selector thread for each read buffer it hands to a decoder thread. */
    @Override
    protected void queue(org.java_websocket.WebSocketImpl conn) throws InterruptedException {
      if (conn instanceof GuardedConnection guarded) {
        guarded.bufferQueued();
      }
      super.queue(conn);
    }

    /** Called by the library for every connection that closes, whether or not it was ever open. */
    @Override
    protected boolean removeConnection(WebSocket conn) {
      if (conn instanceof GuardedConnection guarded) {
        guarded.handshakeDone();
      }
      return super.removeConnection(conn);
    }

    @Override
    public void onMessage(WebSocket conn, ByteBuffer message) {
      WsServerChannel channel = conn.getAttachment();
      if (channel != null && channel.state.deliver(message) != null) {
        conn.close(CloseFrame.NORMAL); // the cause stays local; the peer sees an orderly close
      }
    }

    /** Not reached: the {@link FrameGuard} refuses text frames at their header. */
    @Override
    public void onMessage(WebSocket conn, String message) {
      WsServerChannel channel = conn.getAttachment();
      if (channel != null) {
        channel.state.failed(new IOException("text message received: imlink frames are binary"));
      }
      conn.close(CloseFrame.REFUSE, "binary frames only");
    }

    @Override
    public void onClose(WebSocket conn, int code, String reason, boolean remote) {
      WsServerChannel channel = conn.getAttachment();
      if (channel != null) {
        channel.state.closed(code, reason);
      }
    }

    @Override
    public void onError(WebSocket conn, Exception e) {
      if (conn == null) {
        started.completeExceptionally(e); // the server itself failed (bind…)
        log.log(Level.DEBUG, "WebSocket server error", e);
        return;
      }
      WsServerChannel channel = conn.getAttachment();
      if (channel != null) {
        channel.state.failed(e instanceof IOException ? e : new IOException(e.toString(), e));
      }
    }
  }
}
