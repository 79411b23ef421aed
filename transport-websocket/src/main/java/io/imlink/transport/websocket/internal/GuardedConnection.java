package io.imlink.transport.websocket.internal;

import io.imlink.api.spi.FrameTooLargeException;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.WebSocketListener;
import org.java_websocket.WebSocketServerFactory;
import org.java_websocket.drafts.Draft;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.framing.CloseFrame;

/**
 * One accepted connection of the server, as Java-WebSocket's {@link WebSocketImpl} with the guards
 * the library lacks, all applied where the library hands the connection its input ({@link
 * #decode}):
 *
 * <ul>
 *   <li>the handshake may take at most {@code handshakeTimeout} from the TCP accept (the library
 *       has no such bound: a silent or stalled peer holds its socket for ever);
 *   <li>the handshake request may be at most {@code maxHandshakeBytes} (the library buffers it
 *       without bound, copying it anew for each read);
 *   <li>a request that begins as a TLS record (a TLS client at a plain {@code ws://} listener) is
 *       refused at its first byte (the library would wait for the end of an HTTP request that never
 *       comes, and the client for a ServerHello, until the handshake timeout);
 *   <li>frames pass the connection's {@link FrameGuard} ({@link ServerDraft}); its refusal closes
 *       with the refusal's code;
 *   <li>an exception or {@link Error} raised while decoding — by the library, or by a handler it
 *       calls — closes this connection only (the library would stop the whole server on an {@link
 *       Error} such as {@link OutOfMemoryError}, and leaves the connection open on a runtime
 *       exception).
 *   <li>over TLS, a failure of the library's TLS channel on the selector thread closes this
 *       connection only ({@link ConfinedTlsChannel}).
 * </ul>
 *
 * <p>Every refusal is one line of the listener's {@link RefusalLog}.
 *
 * <p>Also: the peer's end of stream is reported after the data that came before it ({@link #eot}).
 *
 * <p>Thread: {@link #decode} runs on the library's decoder thread of this connection, never on two
 * threads at once, once for each buffer {@link #bufferQueued}; {@link #eot} and {@link
 * #bufferQueued} on the selector thread; {@link #handshakeExpired} on the acceptor's timer thread;
 * {@link #handshakeDone} on any thread. None blocks.
 */
final class GuardedConnection extends WebSocketImpl {
  /** The first byte of a TLS handshake record (a ClientHello); no HTTP request begins with it. */
  private static final byte TLS_HANDSHAKE_RECORD = 0x16;
  private final int maxHandshakeBytes;
  private final int maxFrameSize;
  private final RefusalLog refusals;
  private int handshakeBytes; // decoder thread only
  private volatile boolean refused;
  private volatile ScheduledFuture<?> handshakeDeadline;
  private final Object endOfStream = new Object();
  private int undecoded; // guarded by endOfStream: buffers read and queued, not yet decoded
  private boolean endPending; // guarded by endOfStream: the peer's EOF, held until they are
  /** Bytes the selector has written to the socket (plaintext, before any TLS), from its accept. */
  private final java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();

  private GuardedConnection(WebSocketListener listener, List<Draft> drafts, int maxHandshakeBytes, int maxFrameSize,
      RefusalLog refusals) {
    super(listener, drafts);
    this.maxHandshakeBytes = maxHandshakeBytes;
    this.maxFrameSize = maxFrameSize;
    this.refusals = refusals;
  }

  /** Bytes written to the socket so far (plaintext, before any TLS); any thread. */
  long writtenBytes() {
    return written.get();
  }

  /** The handshake is complete, or the connection closed: the deadline no longer applies. */
  void handshakeDone() {
    ScheduledFuture<?> f = handshakeDeadline;
    if (f != null) {
      f.cancel(false);
    }
  }

  /** The handshake deadline has passed: closes the connection if its handshake is not complete. */
  void handshakeExpired(Duration timeout) {
    if (getReadyState() != ReadyState.NOT_YET_CONNECTED) {
      return;
    }
    refused = true;
    refusals.refused(peer(), "handshake not complete within " + timeout.toMillis() + " ms of the accept");
    closeConnection(CloseFrame.NEVER_CONNECTED, "handshake timeout");
  }

  /** The selector thread has queued one more read buffer of this connection for decoding. */
  void bufferQueued() {
    synchronized (endOfStream) {
      undecoded++;
    }
  }

  /**
   * The peer ended its side of the TCP connection. The library reports it at once, on the selector
   * thread, while what the peer sent just before (a close frame, typically) may still wait for its
   * decoder thread, so that a peer that closes right after its close frame would be reported as an
   * abnormal close (1006) instead of with its code. This holds the end until that data is decoded.
   */
  @Override
  public void eot() {
    synchronized (endOfStream) {
      if (undecoded > 0) {
        endPending = true;
        return;
      }
    }
    endOfStream();
  }

  /**
   * The library's end of stream, which dereferences the draft unless the connection is still before
   * its handshake. A connection refused before its handshake was parsed has no draft, and its state
   * moves to closing on the decoder thread while the end of stream arrives on the selector thread:
   * the library's {@code eot} then throws, on the selector thread, and that stops the whole server
   * (found by {@code WebSocketHandshakeFuzzTest}). Without a draft the end is only a close, which the
   * library's lock (the connection's monitor, as in {@code closeConnection}) makes happen once. A
   * draft, once chosen, is never cleared.
   */
  private void endOfStream() {
    synchronized (this) {
      if (getDraft() == null) {
        closeConnection(CloseFrame.NEVER_CONNECTED, true);
        return;
      }
    }
    super.eot();
  }

  @Override
  public void decode(ByteBuffer socketBuffer) {
    try {
      guardedDecode(socketBuffer);
    } finally {
      boolean end;
      synchronized (endOfStream) {
        undecoded = Math.max(0, undecoded - 1);
        end = endPending && undecoded == 0;
        endPending &= !end;
      }
      if (end) {
        endOfStream();
      }
    }
  }

  private void guardedDecode(ByteBuffer socketBuffer) {
    if (refused) {
      socketBuffer.position(socketBuffer.limit()); // closing: nothing more is read
      return;
    }
    try {
      if (getReadyState() == ReadyState.NOT_YET_CONNECTED) {
        if (handshakeBytes == 0 && socketBuffer.hasRemaining() && socketBuffer.get(socketBuffer.position()) == TLS_HANDSHAKE_RECORD) {
          socketBuffer.position(socketBuffer.limit());
          refused = true;
          refusals.refused(peer(), "a TLS handshake instead of an upgrade request (a wss:// client at a ws:// listener?)");
          closeConnection(CloseFrame.NEVER_CONNECTED, "TLS at a plain listener");
          return;
        }
        handshakeBytes += socketBuffer.remaining();
        if (handshakeBytes > maxHandshakeBytes) {
          socketBuffer.position(socketBuffer.limit());
          refused = true;
          refusals.refused(peer(), "handshake request over " + maxHandshakeBytes + " bytes");
          closeConnection(CloseFrame.NEVER_CONNECTED, "handshake too large");
          return;
        }
      }
      super.decode(socketBuffer);
      if (getDraft() instanceof ServerDraft draft && draft.refusal() != null) {
        refuse(draft.refusal());
      }
    } catch (Throwable t) {
      failed(t);
    }
  }

  private void refuse(FrameGuard.Refusal refusal) {
    if (refused) {
      return;
    }
    refused = true;
    refusals.refused(peer(), refusal.reason() + " (closing with " + refusal.code() + ")");
    WsServerChannel channel = getAttachment();
    if (channel != null) {
      channel.state.failed(refusal.code() == CloseFrame.TOOBIG
          ? new FrameTooLargeException(refusal.messageBytes(), maxFrameSize)
          : new IOException("refused the client's input: " + refusal.reason()));
    }
    close(refusal.code(), refusal.reason());
  }

  private void failed(Throwable t) {
    boolean first = !refused;
    refused = true;
    if (first) {
      refusals.failed(peer(), "handling the connection failed", t);
    }
    WsServerChannel channel = getAttachment();
    if (channel != null) {
      channel.state.failed(t);
    }
    try {
      if (isOpen()) {
        close(CloseFrame.UNEXPECTED_CONDITION, "internal error");
      } else {
        closeConnection(CloseFrame.UNEXPECTED_CONDITION, "internal error");
      }
    } catch (Throwable again) {
      closeConnection(CloseFrame.UNEXPECTED_CONDITION, "internal error");
    }
  }

  private SocketAddress peer() {
    try {
      return getRemoteSocketAddress();
    } catch (RuntimeException notKnown) {
      return null;
    }
  }

  /**
   * Makes the server's connections {@link GuardedConnection}s and starts each one's handshake
   * deadline at its accept; channels are made (plain or TLS) by {@code channels}.
   */
  static final class Factory implements WebSocketServerFactory {
    private final WebSocketServerFactory channels;
    private final ScheduledExecutorService timers;
    private final Duration handshakeTimeout;
    private final int maxHandshakeBytes;
    private final int maxFrameSize;
    private final RefusalLog refusals;

    Factory(WebSocketServerFactory channels, ScheduledExecutorService timers, Duration handshakeTimeout,
        int maxHandshakeBytes, int maxFrameSize, RefusalLog refusals) {
      this.channels = channels;
      this.timers = timers;
      this.handshakeTimeout = handshakeTimeout;
      this.maxHandshakeBytes = maxHandshakeBytes;
      this.maxFrameSize = maxFrameSize;
      this.refusals = refusals;
    }

    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter server, Draft draft) {
      return createWebSocket(server, List.of(draft));
    }

    /** Called by the server's selector thread at each TCP accept. */
    @Override
    public WebSocketImpl createWebSocket(WebSocketAdapter server, List<Draft> drafts) {
      GuardedConnection c = new GuardedConnection(server, drafts, maxHandshakeBytes, maxFrameSize, refusals);
      try {
        c.handshakeDeadline = timers.schedule(() -> c.handshakeExpired(handshakeTimeout),
            handshakeTimeout.toNanos(), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException stopping) {
        // the acceptor is closing, and closes this connection with the others
      }
      return c;
    }

    @Override
    public ByteChannel wrapChannel(SocketChannel channel, SelectionKey key) throws IOException {
      ByteChannel inner = ConfinedTlsChannel.confine(channels.wrapChannel(channel, key));
      return key.attachment() instanceof GuardedConnection c ? CountingChannel.of(inner, c.written) : inner;
    }

    @Override
    public void close() {
      channels.close();
    }
  }
}
