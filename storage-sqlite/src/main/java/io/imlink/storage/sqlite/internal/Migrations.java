package io.imlink.storage.sqlite.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The schema, as forward migrations: step {@code i} takes the database from version {@code i} to
 * {@code i + 1} ({@code PRAGMA user_version}). Each step runs in its own transaction. A database of
 * a newer version than this code knows is refused, never downgraded.
 */
public final class Migrations {
  /** The migrations of this version of the backend. */
  static final List<List<String>> STEPS = List.of(
      // 0 -> 1: messages, conversations, cursors, settings.
      List.of(
          "CREATE TABLE messages ("
              + " local_id INTEGER PRIMARY KEY AUTOINCREMENT,"
              + " conv_type INTEGER NOT NULL, target_id TEXT NOT NULL,"
              + " direction INTEGER NOT NULL, sender TEXT NOT NULL,"
              + " object_name TEXT NOT NULL, content TEXT NOT NULL,"
              + " client_msg_id TEXT, server_msg_id TEXT,"
              + " sent_time INTEGER NOT NULL, order_key INTEGER NOT NULL,"
              + " status INTEGER NOT NULL, error_code INTEGER NOT NULL, local_time INTEGER NOT NULL)",
          "CREATE UNIQUE INDEX messages_by_server_id ON messages(server_msg_id) WHERE server_msg_id IS NOT NULL",
          "CREATE UNIQUE INDEX messages_by_client_id ON messages(sender, client_msg_id) WHERE client_msg_id IS NOT NULL",
          "CREATE INDEX messages_history ON messages(conv_type, target_id, order_key, local_id)",
          "CREATE INDEX messages_outbox ON messages(local_id) WHERE status = 0",
          "CREATE TABLE conversations ("
              + " conv_type INTEGER NOT NULL, target_id TEXT NOT NULL, unread INTEGER NOT NULL,"
              + " PRIMARY KEY (conv_type, target_id)) WITHOUT ROWID",
          "CREATE TABLE cursors (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID",
          "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"));

  private Migrations() {}

  /** The schema version this code writes. */
  public static int latest() {
    return STEPS.size();
  }

  /** Brings the database to the latest version; returns the version it had. */
  public static int migrate(Connection c) throws SQLException {
    return migrate(c, STEPS);
  }

  static int migrate(Connection c, List<List<String>> steps) throws SQLException {
    int version = version(c);
    if (version > steps.size()) {
      throw new SQLException("the database has schema version " + version
          + ", newer than this imlink's " + steps.size() + ": refusing to open it");
    }
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      for (int v = version; v < steps.size(); v++) {
        for (String sql : steps.get(v)) {
          s.execute(sql);
        }
        s.execute("PRAGMA user_version = " + (v + 1));
        c.commit();
      }
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
    return version;
  }

  /** The database's {@code user_version}. */
  public static int version(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }
}
