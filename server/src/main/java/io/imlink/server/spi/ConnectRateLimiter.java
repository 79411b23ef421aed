package io.imlink.server.spi;

import java.net.SocketAddress;

/**
 * Refuses connection floods: how many connect attempts a client address may make. An attempt it
 * refuses gets 30015 and is told how long to wait. The server's own is a token bucket per address in
 * memory, per process ({@link #inMemory}); a {@link Cluster} or a {@link ServerStore} that shares the
 * state across server processes gives one through {@link Cluster#connectRateLimiter} (asked first) or
 * {@link ServerStore#connectRateLimiter}. Every limiter refills by the one rule of {@link TokenBucket}.
 *
 * <p>Thread safety: called from any thread, for every connect, on a connection's serial executor:
 * it must not block (a shared limiter answers from local state that it synchronises in the
 * background).
 */
public interface ConnectRateLimiter {
  /** 0 if the attempt may go on; otherwise how many milliseconds the client should wait. */
  long acquire(SocketAddress remote);

  /**
   * The address a limiter keys its bucket by: the client's IP address, or null for a remote that has
   * none (an in-process or Unix-socket channel), which no limiter throttles.
   */
  static java.net.InetAddress addressOf(SocketAddress remote) {
    return remote instanceof java.net.InetSocketAddress inet ? inet.getAddress() : null;
  }

  /**
   * The server's own limiter: a {@link TokenBucket} per client address, in this process's memory.
   * A shared limiter also keeps one, so that a node refuses a flood it sees before the shared
   * answer arrives.
   *
   * @param perSecond attempts refilled per second and address
   * @param burst attempts an address may make at once
   */
  static ConnectRateLimiter inMemory(double perSecond, int burst, java.time.Clock clock) {
    return new io.imlink.server.internal.ConnectLimiter(perSecond, burst, clock);
  }
}
