package io.imlink.transport.websocket.internal;

import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.TransportOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ServerHandshake;

/** One client connection: a Java-WebSocket client wrapped as a {@link FrameChannel}. */
final class WsClientChannel implements FrameChannel {
  private final URI target;
  private final int maxFrameSize;
  private final ChannelState state;
  private final Client client;
  final CompletableFuture<FrameChannel> opened = new CompletableFuture<>();
  /** Run once the connection has closed, whatever happened. */
  volatile Runnable onFinished = () -> {};

  private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
  private final java.util.concurrent.ScheduledExecutorService timer;

  WsClientChannel(URI target, URI wsUri, TransportOptions options, FrameHandler handler,
      java.util.concurrent.ScheduledExecutorService timer) {
    this.timer = timer;
    this.target = target;
    this.maxFrameSize = options.maxFrameSize();
    this.state = new ChannelState(this, maxFrameSize);
    state.handler(handler);
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis());
    this.client = new Client(wsUri, options, timeoutMs);
    client.setTcpNoDelay(true);
    client.setDaemon(true);
    client.setConnectionLostTimeout(WsOptions.connectionLostTimeout(options));
    if (WsOptions.secure(wsUri)) {
      client.setSocketFactory(options.sslContext().map(c -> c.getSocketFactory())
          .orElseGet(() -> (javax.net.ssl.SSLSocketFactory) javax.net.ssl.SSLSocketFactory.getDefault()));
    }
  }

  void start() {
    client.connect();
  }

  /** The connect timer ran out before the handshake completed. */
  void timedOut(long timeoutMs) {
    if (opened.completeExceptionally(
        new SocketTimeoutException("connecting to " + target + " timed out after " + timeoutMs + " ms"))) {
      state.silence();
      client.closeConnection(CloseFrame.NEVER_CONNECTED, "connect timeout");
    }
  }

  /** The connect was cancelled or the connector closed before it completed. */
  void abandon() {
    state.silence();
    client.closeConnection(CloseFrame.NEVER_CONNECTED, "abandoned");
  }

  /** Closes and waits for the close to complete (bounded). */
  void closeBlocking() {
    close();
    try {
      if (!finished.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
        client.closeConnection(CloseFrame.ABNORMAL_CLOSE, "close timed out");
        finished.await(2, java.util.concurrent.TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean send(byte[] frame) {
    state.checkOutgoing(frame);
    if (closing.get() || !client.isOpen()) {
      return false;
    }
    try {
      client.send(frame);
      return true;
    } catch (WebsocketNotConnectedException e) {
      return false;
    }
  }

  @Override
  public void close() {
    close(0, "");
  }

  /**
   * Closes in order, with the close code that carries {@code code} and the reason. Java-WebSocket's
   * own {@code close()} on a client stops its read loop at once and can lose frames still queued
   * for its write thread, so this sends the close frame itself, behind every queued frame, and lets
   * the server's answering close frame end the connection; a server that does not answer within 5
   * s gets the connection dropped.
   */
  @Override
  public void close(int code, String reason) {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    if (!client.isOpen()) {
      client.close();
      return;
    }
    try {
      CloseFrame frame = new CloseFrame();
      frame.setCode(state.closingWith(code));
      frame.setReason(ChannelState.closeReason(code, reason));
      client.sendFrame(frame);
    } catch (WebsocketNotConnectedException e) {
      client.close();
      return;
    }
    try {
      timer.schedule(() -> {
        if (finished.getCount() > 0) {
          client.closeConnection(CloseFrame.ABNORMAL_CLOSE, "no answer to the close frame");
        }
      }, 5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException connectorClosing) {
      // The connector is closing and waits for this channel itself.
    }
  }

  @Override
  public boolean isOpen() {
    return !closing.get() && client.isOpen();
  }

  @Override
  public boolean isWritable() {
    return client.getConnection() instanceof WebSocketImpl impl && impl.outQueue.size() < WsOptions.WRITABLE_QUEUE;
  }

  @Override
  public int maxFrameSize() {
    return maxFrameSize;
  }

  @Override
  public SocketAddress remoteAddress() {
    return client.getRemoteSocketAddress();
  }

  @Override
  public SocketAddress localAddress() {
    return client.getLocalSocketAddress();
  }

  @Override
  public String toString() {
    return "ws[" + target + "]";
  }

  /** The Java-WebSocket client; its callbacks run on its read thread. */
  private final class Client extends WebSocketClient {
    private final int timeoutMs;

    Client(URI uri, TransportOptions options, int timeoutMs) {
      super(uri, WsOptions.draft(options), Map.of(), timeoutMs);
      this.timeoutMs = timeoutMs;
    }

    /**
     * Called on the read thread once the TCP connection is up, before the upgrade request: sets
     * host name verification (the library's default) on the TLS socket and completes the TLS
     * handshake here, at once. The library would handshake lazily, on its read and write threads
     * together, and when the handshake fails the thread that does not see the failure may end the
     * connection first, reporting a bare close (-1) instead of the {@link javax.net.ssl.SSLException}
     * (seen in {@code WssTransportContractTest}): done here, a failure reaches {@link #onError} first,
     * as the connect's cause. Bounded by the connect timeout.
     */
    @Override
    protected void onSetSSLParameters(javax.net.ssl.SSLParameters parameters) {
      super.onSetSSLParameters(parameters);
      if (getSocket() instanceof javax.net.ssl.SSLSocket tls) {
        try {
          tls.setSSLParameters(parameters);
          int before = tls.getSoTimeout();
          tls.setSoTimeout(Math.max(1, timeoutMs));
          tls.startHandshake();
          tls.setSoTimeout(before);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e); // the library reports it through onError
        }
      }
    }

    private volatile boolean wasOpened;

    @Override
    public void onOpen(ServerHandshake handshake) {
      wasOpened = true;
      if (!opened.complete(WsClientChannel.this)) {
        abandon(); // cancelled or timed out meanwhile
      }
    }

    @Override
    public void onMessage(ByteBuffer bytes) {
      if (state.deliver(bytes) != null) {
        WsClientChannel.this.close(); // the cause stays local; the peer sees an orderly close
      }
    }

    @Override
    public void onMessage(String text) {
      state.failed(new IOException("text message received: imlink frames are binary"));
      closeConnection(CloseFrame.REFUSE, "binary frames only");
    }

    @Override
    public void onError(Exception reported) {
      Exception e = reported instanceof java.io.UncheckedIOException u ? u.getCause() : reported;
      if (!opened.isDone()) {
        opened.completeExceptionally(translate(e));
      }
      state.failed(e instanceof IOException ? e : new IOException(e.toString(), e));
    }

    @Override
    public void onClose(int code, String reason, boolean remote) {
      onFinished.run();
      finished.countDown();
      if (!wasOpened) {
        // A failed connect: reported through the connect future only, never to the handler.
        opened.completeExceptionally(new ConnectException(
            "cannot connect to " + target + ": WebSocket handshake failed (" + code + " " + reason + ")"));
        return;
      }
      state.closed(code, reason);
    }

    private IOException translate(Exception e) {
      if (e instanceof SocketTimeoutException) {
        SocketTimeoutException t = new SocketTimeoutException("connecting to " + target + " timed out");
        t.initCause(e);
        return t;
      }
      if (e instanceof ConnectException) {
        ConnectException c = new ConnectException("cannot connect to " + target + ": " + e.getMessage());
        c.initCause(e);
        return c;
      }
      return e instanceof IOException io ? io : new IOException("cannot connect to " + target + ": " + e, e);
    }
  }
}
