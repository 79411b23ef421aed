package io.imlink.server.internal;

import io.imlink.server.ServerStats;
import java.util.concurrent.atomic.AtomicLong;

/** The server's counters. Thread-safe. */
public final class Counters implements ServerStats {
  final AtomicLong connectionsAccepted = new AtomicLong();
  final AtomicLong connectRequests = new AtomicLong();
  final AtomicLong sessionsAccepted = new AtomicLong();
  final AtomicLong connectsRefused = new AtomicLong();
  final AtomicLong connectsThrottled = new AtomicLong();
  final AtomicLong messagesPublished = new AtomicLong();
  final AtomicLong connectsOverCapacity = new AtomicLong();
  final AtomicLong slowClientsDropped = new AtomicLong();
  final AtomicLong peakPendingBytes = new AtomicLong();
  private final ConnectionCaps caps;

  /** Counters that report the open connections of {@code caps}. */
  public Counters(ConnectionCaps caps) {
    this.caps = caps;
  }

  /** Counters of a server without connection caps (tests). */
  public Counters() {
    this(null);
  }

  /** Records that a connection holds {@code pending} bytes for its peer. */
  void pending(long pending) {
    if (pending > peakPendingBytes.get()) {
      peakPendingBytes.accumulateAndGet(pending, Math::max);
    }
  }

  @Override
  public long connectsOverCapacity() {
    return connectsOverCapacity.get();
  }

  @Override
  public long openConnections() {
    return caps == null ? 0 : caps.openConnections();
  }

  @Override
  public long slowClientsDropped() {
    return slowClientsDropped.get();
  }

  @Override
  public long peakPendingBytes() {
    return peakPendingBytes.get();
  }

  @Override
  public long connectionsAccepted() {
    return connectionsAccepted.get();
  }

  @Override
  public long connectRequests() {
    return connectRequests.get();
  }

  @Override
  public long sessionsAccepted() {
    return sessionsAccepted.get();
  }

  @Override
  public long connectsRefused() {
    return connectsRefused.get();
  }

  @Override
  public long connectsThrottled() {
    return connectsThrottled.get();
  }

  @Override
  public long messagesPublished() {
    return messagesPublished.get();
  }
}
