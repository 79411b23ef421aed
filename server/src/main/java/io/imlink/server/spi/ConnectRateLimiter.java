package io.imlink.server.spi;

import java.net.SocketAddress;

/**
 * Refuses connection floods: how many connect attempts a client address may make. An attempt it
 * refuses gets 30015 and is told how long to wait. The server's own is a token bucket per address in
 * memory, per process; a {@link ServerStore} or cluster layer that shares the state across server
 * processes gives one through {@link ServerStore#connectRateLimiter}.
 *
 * <p>Thread safety: called from any thread, for every connect, on a connection's serial executor:
 * it must not block (a shared limiter answers from local state that it synchronises in the
 * background).
 */
public interface ConnectRateLimiter {
  /** 0 if the attempt may go on; otherwise how many milliseconds the client should wait. */
  long acquire(SocketAddress remote);
}
