package io.imlink.transport.websocket.internal;

import io.imlink.api.spi.FrameChannel;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.WebsocketNotConnectedException;

/** One accepted connection as a {@link FrameChannel}. */
final class WsServerChannel implements FrameChannel {
  private final WebSocket conn;
  private final int maxFrameSize;
  final ChannelState state;
  private final SocketAddress remote;
  private final SocketAddress local;
  private final AtomicBoolean closeRequested = new AtomicBoolean();

  WsServerChannel(WebSocket conn, int maxFrameSize) {
    this.conn = conn;
    this.maxFrameSize = maxFrameSize;
    this.state = new ChannelState(this, maxFrameSize);
    this.remote = conn.getRemoteSocketAddress();
    this.local = conn.getLocalSocketAddress();
  }

  @Override
  public boolean send(byte[] frame) {
    state.checkOutgoing(frame);
    if (!conn.isOpen()) {
      return false;
    }
    try {
      conn.send(frame);
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
   * Queues the close frame, with the close code that carries {@code code} and the reason, behind
   * every queued frame; the server ends the TCP connection once it is out (the acceptor's flusher
   * makes sure it goes out when called from another thread than the selector's).
   */
  @Override
  public void close(int code, String reason) {
    if (!closeRequested.compareAndSet(false, true)) {
      return;
    }
    conn.close(state.closingWith(code), ChannelState.closeReason(code, reason));
  }

  @Override
  public boolean isOpen() {
    return conn.isOpen();
  }

  @Override
  public boolean isWritable() {
    return conn instanceof WebSocketImpl impl && impl.outQueue.size() < WsOptions.WRITABLE_QUEUE;
  }

  @Override
  public int maxFrameSize() {
    return maxFrameSize;
  }

  @Override
  public SocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public SocketAddress localAddress() {
    return local;
  }

  @Override
  public String toString() {
    return "ws[" + local + " <- " + remote + "]";
  }
}
