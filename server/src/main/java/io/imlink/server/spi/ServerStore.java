package io.imlink.server.spi;

/**
 * One opened server store: the inbox, the state and the API's nonces, as one backend keeps them.
 * Made by a {@link ServerStoreProvider}; the server closes it last, after its listeners.
 *
 * <p>Connect-rate limiting stays in each server process (a token bucket per source address, in
 * memory): it is per node until a cluster layer shares it.
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

  /** Closes the parts and what they hold (connections, threads); blocks until done. */
  @Override
  void close();
}
