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

  /**
   * Connect requests refused because a connection cap was reached (31003; {@link
   * ImServer.Builder#maxConnections}, {@link ImServer.Builder#maxConnectionsPerAddress}).
   */
  long connectsOverCapacity();

  /** Transport connections open now, authenticated or not (what the connection caps count). */
  long openConnections();

  /**
   * Connections dropped because their peer read too slowly: a send would have taken the bytes
   * queued for it over the write budget ({@link io.imlink.api.spi.TransportOptions#maxPendingBytes}).
   */
  long slowClientsDropped();

  /**
   * The most bytes one connection has held queued for its peer and unwritten, as its transport
   * counts them ({@link io.imlink.api.spi.FrameChannel#pendingBytes}), sampled after each frame the
   * server sends: at most the write budget plus one frame.
   */
  long peakPendingBytes();
}
