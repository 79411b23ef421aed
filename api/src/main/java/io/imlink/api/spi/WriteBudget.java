package io.imlink.api.spi;

import io.imlink.api.ErrorCode;
import java.io.IOException;

/**
 * The write budget of one server connection ({@link TransportOptions#maxPendingBytes()}): the one
 * place where every transport decides that a peer reads too slowly to be kept. A transport counts
 * the bytes it holds for the peer and has not written to the socket yet (its own queue and its
 * library's), asks {@link #admits} after each send, and when it does not, drops the connection
 * abruptly (what was queued is discarded; it could not be delivered anyway), telling the peer
 * {@link #CLOSE_CODE} by its own means where it still can, and reports {@link #exceeded} as the
 * cause of {@link FrameHandler#onClosed}.
 *
 * <p>Nothing is lost by the drop: an imlink server keeps every message in the recipient's inbox,
 * and the client's next connection syncs it from its cursor.
 *
 * <p>Thread safety: immutable; every method may be called from any thread, any number of times,
 * and none blocks.
 */
public final class WriteBudget {

  /**
   * The imlink code of the drop: 31003 (the server could not serve the connection; the client
   * retries by itself), as docs/protocol.md §4.7 says.
   */
  public static final int CLOSE_CODE = ErrorCode.CONN_SERVER_UNAVAILABLE.code();

  /** A budget with no bound: the client side of a transport. */
  public static final WriteBudget UNBOUNDED = new WriteBudget(Long.MAX_VALUE);

  private final long maxBytes;

  /**
   * @param maxBytes the most bytes a connection may hold queued for its peer; at least 1
   */
  public WriteBudget(long maxBytes) {
    if (maxBytes < 1) {
      throw new IllegalArgumentException("a write budget must be at least 1 byte, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /** The budget of a server connection with these options. */
  public static WriteBudget of(TransportOptions options) {
    return new WriteBudget(options.maxPendingBytes());
  }

  /** The most bytes a connection may hold queued for its peer. */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * The bytes above which a server holds back what it sends on its own initiative (live pushes)
   * until the transport has written more: a quarter of the budget. A burst is then written as fast
   * as the peer reads it, never in one piece that would take a prompt reader over the budget; what
   * is held back counts towards the budget too (see {@link #admits}).
   */
  public long pushLimit() {
    return Math.max(1, maxBytes / 4);
  }

  /** The rule: whether a connection holding {@code pendingBytes} unwritten bytes may be kept. */
  public boolean admits(long pendingBytes) {
    return pendingBytes <= maxBytes;
  }

  /** The cause a transport reports when {@link #admits} said no for {@code pendingBytes}. */
  public ExceededException exceeded(long pendingBytes) {
    return new ExceededException(pendingBytes, maxBytes);
  }

  /** The reason text of the drop, for the transport's own close means and for logs. */
  public static String reason(long maxBytes) {
    return "peer too slow: more than " + maxBytes + " bytes waiting to be sent";
  }

  @Override
  public String toString() {
    return "WriteBudget{" + maxBytes + " bytes}";
  }

  /**
   * The cause of {@link FrameHandler#onClosed} when a connection was dropped because its peer read
   * too slowly: it held {@link #pendingBytes()} bytes for the peer, over its {@link #maxBytes()}.
   * Immutable: usable from any thread; made once per drop; nothing in it blocks.
   */
  public static final class ExceededException extends IOException {
    private static final long serialVersionUID = 1L;
    private final long pendingBytes;
    private final long maxBytes;

    /**
     * @param pendingBytes the bytes the connection held when it was dropped
     * @param maxBytes its budget
     */
    public ExceededException(long pendingBytes, long maxBytes) {
      super(reason(maxBytes) + " (" + pendingBytes + " queued)");
      this.pendingBytes = pendingBytes;
      this.maxBytes = maxBytes;
    }

    /** The bytes the connection held for the peer when it was dropped. */
    public long pendingBytes() {
      return pendingBytes;
    }

    /** The budget it went over. */
    public long maxBytes() {
      return maxBytes;
    }

    /** The imlink code of the drop, {@link WriteBudget#CLOSE_CODE}. */
    public int code() {
      return CLOSE_CODE;
    }
  }
}
