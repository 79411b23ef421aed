package io.imlink.api.spi;

import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * A transport: carries opaque byte frames over one family of URI schemes, on the client side
 * ({@link #newConnector}) and on the server side ({@link #bind}).
 *
 * <p>Registered in {@code META-INF/services/io.imlink.api.spi.TransportProvider}; must have a public
 * no-argument constructor. Instances hold no connections themselves: every connector and acceptor
 * they create owns its own resources and releases them on {@code close()}.
 *
 * <p>Thread safety: every method may be called from any thread, concurrently.
 */
public interface TransportProvider {

  /** A short name for logs and error messages, such as {@code "tcp-netty"}. */
  String name();

  /** The lower-case URI schemes served, such as {@code tcp}, or {@code ws} and {@code wss}. */
  Set<String> schemes();

  /**
   * Preference among providers of the same scheme: the highest wins, ties broken by class name.
   * The transports shipped with imlink return 5.
   */
  default int priority() {
    return 5;
  }

  /**
   * Whether this provider can work in the current environment (its libraries present, native code
   * loadable…). Unavailable providers are dropped at discovery. Must not throw and must be cheap.
   */
  default boolean isAvailable() {
    return true;
  }

  /**
   * Creates a client-side connector. Creating one is cheap and starts no thread; threads start with
   * the first {@link Connector#connect} and stop at {@link Connector#close}.
   *
   * @param options frame size limit, timeouts, TLS and transport-specific settings
   */
  Connector newConnector(TransportOptions options);

  /**
   * Starts listening on {@code address} and returns once bound. Blocks the caller until the
   * listener is bound or has failed.
   *
   * @param address where to listen, in one of {@link #schemes()}; port 0 picks a free port (read it
   *     back from {@link Acceptor#uri()})
   * @param options frame size limit, handshake timeout, TLS and transport-specific settings
   * @param handler told of every accepted channel
   * @throws IOException if the address cannot be bound (in use, not local…)
   * @throws IllegalArgumentException if the address is malformed or of a scheme not served
   */
  Acceptor bind(URI address, TransportOptions options, AcceptHandler handler) throws IOException;
}
