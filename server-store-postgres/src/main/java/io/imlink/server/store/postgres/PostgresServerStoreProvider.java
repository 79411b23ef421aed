package io.imlink.server.store.postgres;

import io.imlink.server.spi.ServerStore;
import io.imlink.server.spi.ServerStoreConfig;
import io.imlink.server.spi.ServerStoreProvider;
import io.imlink.server.store.postgres.internal.PostgresServerStore;
import io.imlink.server.store.postgres.internal.PostgresSettings;
import java.io.IOException;

/**
 * The {@code postgres} server store: messages, inboxes, users, token revocations, blocks and the
 * signed API's nonces in one PostgreSQL database that any number of server processes may share.
 * Select it with {@code ImServer.builder().store("postgres").storeProperty("jdbc.url", ...)}; it is
 * found by {@link java.util.ServiceLoader} when {@code io.imlink:imlink-server-store-postgres} is on
 * the class path.
 *
 * <p>Store properties ({@code ImServer.Builder.storeProperty}):
 *
 * <ul>
 *   <li>{@code jdbc.url} (required): the database, e.g. {@code
 *       jdbc:postgresql://db.example:5432/imlink}.
 *   <li>{@code jdbc.user}: the database user (default: the driver's, or the one in the URL).
 *   <li>{@code jdbc.password}, or {@code jdbc.password-file}: the password, or a file holding it (a
 *       trailing newline is dropped); never logged.
 *   <li>{@code pool.size}: connections in the pool, default 8. One is the inbox writer's while it
 *       writes a batch; the rest serve syncs ({@code InboxStore.readConcurrency()} is the size minus
 *       one, at least 1), state writes and nonce checks.
 *   <li>{@code state.refresh}: how often revocations and blocks written by other processes are read,
 *       an ISO-8601 duration ({@code PT0.5S}) or milliseconds ({@code 500}); default {@code PT1S}.
 *       It is the state's {@code staleness()}.
 * </ul>
 *
 * <p>{@link #open} creates or migrates the schema (Flyway, history in {@code
 * imlink_schema_history}, migrations {@code classpath:db/imlink-postgres}) in the database's
 * default schema, which must hold no other tables unless they are imlink's.
 *
 * <p>Thread safety: stateless; {@link #open} may be called from any thread, once per server start,
 * and blocks while it connects and migrates.
 */
public final class PostgresServerStoreProvider implements ServerStoreProvider {
  /** Its name, for {@code ImServer.Builder.store}. */
  public static final String NAME = "postgres";

  /** For the {@link java.util.ServiceLoader}. */
  public PostgresServerStoreProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Connects, migrates the schema and loads the connect-check state.
   *
   * @throws IllegalArgumentException a property is missing or malformed (its name in the message)
   * @throws IOException the database cannot be reached or migrated; the message names the URL
   *     (without any password) and the cause
   */
  @Override
  public ServerStore open(ServerStoreConfig config) throws IOException {
    return PostgresServerStore.open(PostgresSettings.from(config), config);
  }
}
