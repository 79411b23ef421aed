package io.imlink.server;

/**
 * Counters of a running server, for tests, the CLI and monitoring. Live views: each call reads the
 * current value. Thread-safe.
 */
public interface ServerStats {
  /** Transport connections accepted, authenticated or not. */
  long connectionsAccepted();

  /** {@code ConnectRequest}s received: every connect attempt that reached the server. */
  long connectRequests();

  /** Sessions accepted (ConnectAck code 0). */
  long sessionsAccepted();

  /** Connect requests refused with a non-zero code. */
  long connectsRefused();

  /** Connect requests refused because their address connected too often (30015). */
  long connectsThrottled();

  /** Messages stored (resends of stored messages not counted). */
  long messagesPublished();
}
