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
import java.util.List;
import java.util.concurrent.CompletableFuture;
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

  private final Server server;
  private final URI uri;
  private final ScheduledThreadPoolExecutor timers;
  private volatile boolean closed;

  private WsAcceptor(Server server, URI uri, ScheduledThreadPoolExecutor timers) {
    this.server = server;
    this.uri = uri;
    this.timers = timers;
    // Java-WebSocket's server can lose a write wake-up: its selector thread, having drained a
    // connection's queue, sets the connection back to read-only interest, and a frame queued by
    // another thread at that moment (a send, a close, a ping) waits until the peer sends
    // something — possibly for ever. This checks every connection's queue and wakes the writer,
    // also of a closing connection: its close frame is such a write, and the server ends the TCP
    // connection only once that frame is out.
    timers.scheduleWithFixedDelay(this::flushStuckWrites, FLUSH_CHECK_MS, FLUSH_CHECK_MS, TimeUnit.MILLISECONDS);
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

  private void flushStuckWrites() {
    try {
      for (WebSocket conn : server.getConnections()) {
        if (conn instanceof org.java_websocket.WebSocketImpl impl && !impl.outQueue.isEmpty() && !conn.isClosed()) {
          server.onWriteDemand(conn);
        }
      }
    } catch (RuntimeException e) {
      log.log(Level.DEBUG, "checking for stuck writes failed", e);
    }
  }

  /** Binds, blocking until the server listens. */
  public static WsAcceptor bind(URI address, TransportOptions options, AcceptHandler handler) throws IOException {
    WsOptions.check(address, true);
    String path = WsOptions.path(address, options);
    int maxHandshakeBytes = WsOptions.maxHandshakeBytes(options);
    org.java_websocket.WebSocketServerFactory channels = WsOptions.secure(address)
        ? new DefaultSSLWebSocketServerFactory(options.sslContext().orElseThrow(
            () -> new IllegalArgumentException("wss:// needs an SSLContext in the TransportOptions")))
        : new DefaultWebSocketServerFactory();
    ScheduledThreadPoolExecutor timers = newTimers();
    RefusalLog refusals = new RefusalLog();
    Server server = new Server(new InetSocketAddress(address.getHost(), address.getPort()), options, path, handler,
        refusals);
    server.setWebSocketFactory(new GuardedConnection.Factory(channels, timers, options.handshakeTimeout(),
        maxHandshakeBytes, options.maxFrameSize(), refusals));
    try {
      return start(server, address, path, timers);
    } catch (IOException | RuntimeException | Error e) {
      timers.shutdownNow();
      throw e;
    }
  }

  private static WsAcceptor start(Server server, URI address, String path, ScheduledThreadPoolExecutor timers)
      throws IOException {
    server.start();
    try {
      server.started.get(10, TimeUnit.SECONDS);
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
    String host = address.getHost().contains(":") && !address.getHost().startsWith("[") ? "[" + address.getHost() + "]"
        : address.getHost();
    URI bound = URI.create(address.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + host + ":" + server.getPort() + path);
    return new WsAcceptor(server, bound, timers);
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
    return new InetSocketAddress(server.getAddress().getAddress(), server.getPort());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    // Close every connection first, while the flusher still guards against lost write wake-ups,
    // and give the close handshakes a moment; then stop the server, which joins its threads and
    // drops whatever connection is left.
    for (WebSocket conn : server.getConnections()) {
      conn.close(CloseFrame.GOING_AWAY);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (!server.getConnections().isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    stopQuietly(server);
    timers.shutdownNow();
    try {
      timers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.refusals.close();
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
    final RefusalLog refusals;

    Server(InetSocketAddress address, TransportOptions options, String path, AcceptHandler acceptHandler,
        RefusalLog refusals) {
      super(address, WsOptions.workers(options), List.<Draft>of(WsOptions.serverDraft(options)));
      this.path = path;
      this.acceptHandler = acceptHandler;
      this.maxFrameSize = options.maxFrameSize();
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

    @Override
    public void onOpen(WebSocket conn, ClientHandshake handshake) {
      if (conn instanceof GuardedConnection guarded) {
        guarded.handshakeDone();
      }
      WsServerChannel channel = new WsServerChannel(conn, maxFrameSize);
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
