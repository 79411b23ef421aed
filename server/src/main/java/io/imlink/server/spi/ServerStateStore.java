package io.imlink.server.spi;

import java.io.IOException;
import java.time.Duration;

/**
 * The server state that must survive a restart: registered users, token revocations ("every token
 * of this user issued before T is invalid") and blocks with an expiry. Part of a {@link
 * ServerStore}.
 *
 * <p>The connect checks, {@link #revokedBefore} and {@link #isBlocked}, never block: they are asked
 * on a connection's serial executor for every connect and answer from memory. A write made through
 * this store holds here when it returns; one made through another store on the same data (another
 * server process) holds here within {@link #staleness()}.
 *
 * <p>Thread safety: every method may be called from any thread. Writes and {@link #userExists} block
 * on I/O and are durable when they return: call them from API threads, not I/O threads.
 */
public interface ServerStateStore {

  /** Registers (or updates) a user; a null name or portrait keeps the one stored. */
  void upsertUser(String appKey, String userId, String name, String portraitUri, long nowMs) throws IOException;

  /** Whether the user was ever registered. Blocks for the read. */
  boolean userExists(String appKey, String userId) throws IOException;

  /** Invalidates every token of the user issued before {@code beforeMs}; the bound never moves back. */
  void revokeTokens(String appKey, String userId, long beforeMs) throws IOException;

  /** Tokens of the user issued before this time (ms) are revoked; {@link Long#MIN_VALUE} if none. Never blocks. */
  long revokedBefore(String appKey, String userId);

  /** Blocks the user until {@code untilMs}. */
  void block(String appKey, String userId, long untilMs) throws IOException;

  /** Lifts a block. */
  void unblock(String appKey, String userId) throws IOException;

  /** Whether the user is blocked at {@code nowMs}. Never blocks. */
  boolean isBlocked(String appKey, String userId, long nowMs);

  /**
   * The most time a revocation, block or unblock written through another store on the same data
   * takes to hold in this one's {@link #revokedBefore} and {@link #isBlocked}: zero for a store that
   * only one process uses.
   */
  Duration staleness();
}
