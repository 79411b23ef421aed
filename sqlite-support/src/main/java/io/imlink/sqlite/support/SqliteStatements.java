package io.imlink.sqlite.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * The prepared statements of one connection, each prepared on its first use and kept until
 * {@link #close()}: a statement run again and again (a write, a sync page, a lookup) is parsed once.
 *
 * <p>Thread safety: none; its owner uses it under the lock that guards the connection. The
 * connection stays the owner's: {@link #close()} closes only the statements.
 */
public final class SqliteStatements implements AutoCloseable {
  private final Connection connection;
  private final Map<String, PreparedStatement> statements = new HashMap<>();

  public SqliteStatements(Connection connection) {
    this.connection = connection;
  }

  /** The statement for {@code sql}, prepared now if this is its first use. */
  public PreparedStatement get(String sql) throws SQLException {
    PreparedStatement p = statements.get(sql);
    if (p == null) {
      p = connection.prepareStatement(sql);
      statements.put(sql, p);
    }
    return p;
  }

  /** Closes every statement prepared so far (quietly: the connection is usually closing too). */
  @Override
  public void close() {
    for (PreparedStatement p : statements.values()) {
      try {
        p.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
    statements.clear();
  }
}
