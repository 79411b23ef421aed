package io.imlink.server.store.postgres.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import javax.sql.DataSource;

/**
 * Work on a pool connection, run again on another connection when the database had dropped the one
 * taken (a restart, a failover, an administrator's {@code pg_terminate_backend}): the pool only
 * finds a dead connection by using it, and may hold several.
 *
 * <p>Thread safety: stateless; {@link #call} blocks for the work.
 */
final class Jdbc {
  private Jdbc() {}

  /** Work on a connection. */
  @FunctionalInterface
  interface Work<T> {
    T apply(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} on a pool connection, up to {@code attempts} times while the connection turns
   * out broken. Only for work that may run twice: reads, and writes of a value (an upsert).
   */
  static <T> T call(DataSource pool, int attempts, Work<T> work) throws SQLException {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = pool.getConnection()) {
        return work.apply(c);
      } catch (SQLException e) {
        if (attempt < attempts && brokenConnection(e)) {
          continue;
        }
        throw e;
      }
    }
  }

  /**
   * The database dropped the connection: a connection exception (08) or a shutdown or restart
   * (57P01..03). Not the pool's timeout waiting for a connection: running again would wait again.
   */
  static boolean brokenConnection(SQLException e) {
    if (e instanceof SQLTransientConnectionException) {
      return false;
    }
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
        || state.equals("57P03"));
  }
}
