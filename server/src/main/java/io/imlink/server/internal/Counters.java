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
