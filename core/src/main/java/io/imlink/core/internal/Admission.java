package io.imlink.core.internal;

import io.imlink.api.ErrorCode;
import io.imlink.api.spi.MessageStore;
import jakarta.inject.Singleton;

/**
 * What the public API may do right now, decided on the caller's thread before any work goes to the
 * loop: whether a connect is accepted ({@code 34001} while one is active), whether the engine is
 * closed ({@code 33001}), and which store an app's read uses. The loop's work lags behind the
 * calls; each accepted connect and each disconnect counts a generation, so that the loop can tell
 * whether what it finishes still belongs to the latest call.
 *
 * <p>Thread safety: every method may be called from any thread; the state is guarded by this
 * object's monitor (the store for reads is also volatile, so that reads take no lock).
 */
@Singleton
final class Admission {
  private boolean closed;
  /** A connect was accepted and its session has not ended. */
  private boolean active;
  private long generation;
  /**
   * The store the app's reads use: the current connect's, once it opened; cleared at once by
   * connect(), disconnect() and close(), before the loop gets to opening or closing a store, so that
   * a read after any of them returns never depends on the loop's timing.
   */
  private volatile MessageStore readStore;
  /** Why there is no store for reads when no connect is in progress. */
  private String noStoreReason = "call connect(token, timeout) first";

  /** Accepts a connect: its generation (positive), or the negated error code to return. */
  synchronized long acceptConnect() {
    if (closed) {
      return -ErrorCode.CLIENT_NOT_INIT.code();
    }
    if (active) {
      return -ErrorCode.CONNECTION_EXIST.code();
    }
    active = true;
    readStore = null; // reads wait for this connect's store, which may be another user's
    return ++generation;
  }

  /** Accepts a disconnect: 0, or 33001 after close. The engine may be connected again at once. */
  synchronized int acceptDisconnect() {
    if (closed) {
      return ErrorCode.CLIENT_NOT_INIT.code();
    }
    active = false;
    generation++;
    readStore = null;
    noStoreReason = "disconnect() closed it; connect(token, timeout) opens it again";
    return 0;
  }

  /** Accepts close: true the first time only. */
  synchronized boolean acceptClose() {
    if (closed) {
      return false;
    }
    closed = true;
    readStore = null;
    noStoreReason = "the engine is closed";
    return true;
  }

  synchronized boolean isClosed() {
    return closed;
  }

  /** Whether a send may be queued: a store is open for reads, or a connect will open one first. */
  synchronized boolean maySend() {
    return !closed && (readStore != null || active);
  }

  /** Called on the loop when connect {@code gen}'s store is open: reads use it, unless a later call came. */
  synchronized void storeOpened(long gen, MessageStore store) {
    if (!closed && generation == gen) {
      readStore = store;
    }
  }

  /** Called on the loop before {@code store} closes: no new read starts on it. */
  synchronized void storeClosing(MessageStore store) {
    if (readStore == store) {
      readStore = null;
    }
  }

  /** Called on the loop when session {@code gen} ended by itself: a connect is accepted again. */
  synchronized void sessionEnded(long gen) {
    if (generation == gen) {
      active = false;
    }
  }

  /** The user's store for an app's read, or the "no user's store" exception of the contract. */
  MessageStore storeForReads() {
    MessageStore s = readStore;
    if (s != null) {
      return s;
    }
    String reason;
    synchronized (this) {
      reason = closed || !active ? noStoreReason
          : "the connect in progress has not opened it yet; wait for onDatabaseOpened";
    }
    throw new IllegalStateException("no user's store is open: " + reason);
  }
}
