package io.imlink.transport.grpc.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.api.spi.RemoteCloseException;
import io.imlink.api.spi.WriteBudget;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A gRPC stream as a {@link FrameChannel}: what the client and server sides share.
 *
 * <p>gRPC calls are not thread-safe, so every send goes through one lock. Frames go straight to
 * gRPC while the stream is ready; while it is not (a slow peer), they wait here — bounded by {@link
 * WriteBudget}, beyond which the stream is cancelled — and are drained on {@code
 * onReady}. gRPC's own buffer is therefore never stuffed. A server stream keeps that queue within its
 * {@link WriteBudget} ({@link io.imlink.api.spi.TransportOptions#maxPendingBytes()}). An orderly close waits for the queue to
 * drain, then ends the stream with the close's code where the side can ({@link CloseStatus}).
 */
abstract class StreamChannel implements FrameChannel {
  private static final System.Logger log = System.getLogger(StreamChannel.class.getName());

  private final int maxFrameSize;
  private final WriteBudget budget;
  private final Object lock = new Object();
  private final ArrayDeque<byte[]> pending = new ArrayDeque<>(); // guarded by lock
  private volatile long pendingBytes; // written under lock
  private boolean closing; // guarded by lock
  private boolean finished; // guarded by lock
  private int closeCode; // guarded by lock: the imlink code of the pending close
  private String closeReason = ""; // guarded by lock
  private final AtomicBoolean closeReported = new AtomicBoolean();
  private volatile FrameHandler handler;
  private volatile Throwable cause;
  private volatile boolean silenced;
  private volatile boolean lastWritable = true;

  StreamChannel(int maxFrameSize, WriteBudget budget) {
    this.maxFrameSize = maxFrameSize;
    this.budget = budget;
  }

  void handler(FrameHandler h) {
    this.handler = h;
  }

  void silence() {
    silenced = true;
  }

  /** Whether gRPC would take a message now without buffering it. */
  abstract boolean streamReady();

  /** Hands one message to gRPC. Called under the lock. */
  abstract void sendMessage(byte[] frame);

  /**
   * Ends our side of the stream in order, with the imlink {@code code} and {@code reason} of the
   * close (client: half-close, which carries no code; server: close with the code's status and
   * trailers, see {@link CloseStatus}). Called once, under the lock.
   */
  abstract void finishStream(int code, String reason);

  /** Whether {@code status}, which ended the stream, is the one this side ended it with itself. */
  boolean endedByUs(Status status) {
    return false;
  }

  /** Ends the stream at once with an error. */
  abstract void abortStream(Status status);

  /** Ends the stream at once for a peer that does not read; by default {@link #abortStream}. */
  void abortUnread(Status status) {
    abortStream(status);
  }

  @Override
  public boolean send(byte[] frame) {
    if (frame.length > maxFrameSize) {
      throw new IllegalArgumentException(
          "frame of " + frame.length + " bytes exceeds the maximum frame size of " + maxFrameSize + " bytes");
    }
    long dropped;
    synchronized (lock) {
      if (closing || finished) {
        return false;
      }
      if (pending.isEmpty() && streamReady()) {
        sendMessage(frame);
        return true;
      }
      pending.add(frame);
      pendingBytes += frame.length;
      lastWritable = false; // onReady tells the handler when it is writable again
      if (budget.admits(pendingBytes)) {
        return true;
      }
      dropped = pendingBytes;
      pending.clear();
      pendingBytes = 0;
      finished = true;
    }
    fail(budget.exceeded(dropped));
    abortUnread(Status.RESOURCE_EXHAUSTED.withDescription(WriteBudget.reason(budget.maxBytes())));
    return false;
  }

  /** gRPC's onReady: drains what waited, finishes a pending close, tells the handler. */
  void onReady() {
    synchronized (lock) {
      drain();
    }
    writabilityMaybeChanged();
  }

  private void drain() {
    while (!pending.isEmpty() && streamReady() && !finished) {
      byte[] f = pending.poll();
      pendingBytes -= f.length;
      sendMessage(f);
    }
    if (closing && pending.isEmpty() && !finished) {
      finished = true;
      finishStream(closeCode, closeReason);
    }
  }

  private void writabilityMaybeChanged() {
    boolean now = isWritable();
    FrameHandler h = handler;
    if (now != lastWritable && h != null && !silenced) {
      lastWritable = now;
      try {
        h.onWritabilityChanged(this, now);
      } catch (RuntimeException | Error e) {
        fail(e);
        abortStream(Status.CANCELLED.withDescription("handler failed"));
      }
    }
  }

  @Override
  public void close() {
    close(0, "");
  }

  /** Closes once the queue has drained, with the code and reason (see {@link #finishStream}). */
  @Override
  public void close(int code, String reason) {
    synchronized (lock) {
      if (closing || finished) {
        return;
      }
      closing = true;
      closeCode = code;
      closeReason = reason == null ? "" : reason;
      drain();
    }
  }

  @Override
  public boolean isWritable() {
    synchronized (lock) {
      return pending.isEmpty() && streamReady();
    }
  }

  @Override
  public long pendingBytes() {
    return pendingBytes;
  }

  @Override
  public int maxFrameSize() {
    return maxFrameSize;
  }

  boolean isFinished() {
    synchronized (lock) {
      return closing || finished;
    }
  }

  /** One message from the peer. A handler that throws, an {@link Error} included, ends the stream. */
  void deliver(byte[] frame) {
    FrameHandler h = handler;
    if (h == null || silenced || cause != null) {
      return;
    }
    try {
      h.onFrame(this, frame);
    } catch (RuntimeException | Error e) {
      fail(e);
      synchronized (lock) {
        pending.clear();
        if (!finished) {
          finished = true;
          finishStream(0, ""); // the cause stays local; the peer sees an orderly end
        }
      }
    }
  }

  void fail(Throwable t) {
    if (cause == null) {
      cause = t;
    }
  }

  /**
   * The stream ended with {@code status}: reports the close once.
   *
   * @param trailers the trailers received with the status (client side), or null
   */
  void ended(Status status, Metadata trailers) {
    synchronized (lock) {
      finished = true;
      pending.clear();
      pendingBytes = 0;
    }
    FrameHandler h = handler;
    if (h == null || silenced || !closeReported.compareAndSet(false, true)) {
      return;
    }
    Throwable c = cause;
    if (c == null && !status.isOk() && !endedByUs(status)) {
      c = causeOf(status, trailers, maxFrameSize);
    }
    try {
      h.onClosed(this, c);
    } catch (RuntimeException | Error e) {
      log.log(Level.WARNING, "FrameHandler.onClosed threw; ignored", e);
    }
  }

  /** The cause a non-OK status stands for: the peer's close code if the trailers carry one. */
  static Throwable causeOf(Status status, Metadata trailers, int maxFrameSize) {
    Optional<RemoteCloseException> remote = CloseStatus.remoteClose(status, trailers);
    if (remote.isPresent()) {
      return remote.get();
    }
    if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && status.getDescription() != null
        && status.getDescription().contains("exceeds maximum")) {
      FrameTooLargeException e = new FrameTooLargeException(-1, maxFrameSize);
      e.initCause(status.asRuntimeException());
      return e;
    }
    return new IOException("gRPC stream ended: " + status.getCode()
        + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"), status.asRuntimeException());
  }
}
