package io.imlink.server.spi;

/**
 * One opened server store: the inbox, the state and the API's nonces, as one backend keeps them.
 * Made by a {@link ServerStoreProvider}; the server closes it last, after its listeners.
 *
 * <p>Connect-rate limiting stays in each server process (a token bucket per source address, in
 * memory) unless the {@link Cluster} or the store gives a shared one ({@link #connectRateLimiter}, asked
 * after the cluster's): neither built-in store does; the {@code hazelcast} cluster shares it.
 *
 * <p>Thread safety: the parts are thread-safe as each says; {@link #close()} is called once, after
 * every other call has returned.
 */
public interface ServerStore extends AutoCloseable {
  /** The messages and inboxes. */
  InboxStore inbox();

  /** Users, revocations and blocks. */
  ServerStateStore state();

  /** The signed API's replay guard. */
  NonceStore nonces();

  /**
   * A connect-rate limiter shared with the other processes on this store, or empty (the default)
   * for the server's own per-process one.
   *
   * @param perSecond attempts refilled per second and address
   * @param burst attempts an address may make at once
   */
  default java.util.Optional<ConnectRateLimiter> connectRateLimiter(double perSecond, int burst, java.time.Clock clock) {
    return java.util.Optional.empty();
  }

  /** Closes the parts and what they hold (connections, threads); blocks until done. */
  @Override
  void close();
}
