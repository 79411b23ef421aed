package io.imlink.server.spi;

import java.io.IOException;

/**
 * A server storage backend, found by {@link java.util.ServiceLoader} (register the class in {@code
 * META-INF/services/io.imlink.server.spi.ServerStoreProvider}) and chosen by {@link #name()} with
 * {@code ImServer.Builder.store(name)}: {@code sqlite}, the embedded default in {@code
 * imlink-server}, and {@code postgres} in {@code imlink-server-store-postgres}. A backend proves
 * itself by passing {@code io.imlink.tck.ServerStoreContract} (and {@code SharedServerStoreContract}
 * if several processes may share it).
 *
 * <p>Thread safety: {@link #open} may be called from any thread, once per server start; it blocks
 * while the store opens (files, connections, migrations).
 */
public interface ServerStoreProvider {
  /** The name the server is configured with, e.g. {@code sqlite}. */
  String name();

  /**
   * Opens a store: creates or migrates its schema and checks that it can be used.
   *
   * @throws IOException the store cannot be opened; the message says why (an unreachable database,
   *     a schema newer than this code)
   * @throws IllegalArgumentException a property is missing or malformed; the message names it
   */
  ServerStore open(ServerStoreConfig config) throws IOException;
}
