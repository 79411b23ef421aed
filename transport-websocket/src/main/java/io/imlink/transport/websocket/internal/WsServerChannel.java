package io.imlink.transport.websocket.internal;

import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.RemoteCloseException;
import io.imlink.api.spi.WriteBudget;
import java.nio.ByteBuffer;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.exceptions.WebsocketNotConnectedException;

/**
 * One accepted connection as a {@link FrameChannel}.
 *
 * <p>It keeps to its {@link WriteBudget}: what waits in the library's outgoing queue is the bytes
 * queued (frames with their WebSocket headers, and what the queue held at the hand-over: the
 * handshake's answer) less the bytes the selector has written since ({@link CountingChannel}); a
 * send that takes it over the budget drops the connection at once, discarding the queue (a close
 * frame would wait behind it, unread). The count is exact but for control frames the library
 * writes by itself (pongs, pings: a few bytes each, which only lower it).
 */
final class WsServerChannel implements FrameChannel {
  private final WebSocket conn;
  private final int maxFrameSize;
  final ChannelState state;
  private final SocketAddress remote;
  private final SocketAddress local;
  private final AtomicBoolean closeRequested = new AtomicBoolean();
  private final WriteBudget budget;
  private final GuardedConnection counted; // null: not counted (the budget does not apply)
  private final long writtenBefore; // the bytes written at the hand-over
  private final AtomicLong queued = new AtomicLong(); // what the queue held then, plus every frame since

  WsServerChannel(WebSocket conn, int maxFrameSize, WriteBudget budget) {
    this.conn = conn;
    this.budget = budget;
    this.counted = conn instanceof GuardedConnection g ? g : null;
    long before = 0;
    if (counted != null) {
      for (ByteBuffer b : counted.outQueue) { // the handshake's answer, at most
        before += b.remaining();
      }
    }
    this.queued.set(before);
    this.writtenBefore = counted == null ? 0 : counted.writtenBytes();
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
    long pending = pendingBytes() + frame.length + headerBytes(frame.length);
    if (counted != null && !budget.admits(pending)) { // checked before queuing: nothing is held for a dropped peer
      state.failed(budget.exceeded(pending));
      closeRequested.set(true);
      conn.closeConnection(RemoteCloseException.toWebSocketCode(WriteBudget.CLOSE_CODE),
          WriteBudget.reason(budget.maxBytes()));
      return false;
    }
    try {
      if (counted != null) {
        queued.addAndGet(frame.length + headerBytes(frame.length));
      }
      conn.send(frame);
    } catch (WebsocketNotConnectedException e) {
      return false;
    }
    return true;
  }

  /** The header of a server's (unmasked) binary frame of {@code payload} bytes (RFC 6455 §5.2). */
  private static int headerBytes(int payload) {
    return payload < 126 ? 2 : payload <= 0xFFFF ? 4 : 10;
  }

  @Override
  public long pendingBytes() {
    if (counted == null) {
      return 0;
    }
    return Math.max(0, queued.get() - (counted.writtenBytes() - writtenBefore));
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
