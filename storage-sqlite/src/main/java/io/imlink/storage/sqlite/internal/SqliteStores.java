package io.imlink.storage.sqlite.internal;

import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StoreLocation;
import io.imlink.sqlite.support.SqliteWriter;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executor;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Opens SQLite stores: directories, pragmas, migrations, and corrupt files moved aside. */
public final class SqliteStores {
  private static final System.Logger log = System.getLogger(SqliteStores.class.getName());
  /** The database file in a user's directory. */
  public static final String FILE_NAME = "imlink.db";

  private SqliteStores() {}

  /** Whether the xerial driver and its native library load here. */
  public static boolean driverAvailable() {
    try {
      Class.forName("org.sqlite.JDBC");
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Opens (creating if needed) the store of one user. */
  /**
   * Opens a user's store.
   *
   * @param writeExecutor where its writes run (see {@link SqliteWriter}); null for a thread of its own
   */
  public static MessageStore open(String providerName, StoreLocation location, Executor writeExecutor)
      throws IOException {
    Path dir = StorePaths.userDirectory(location.dataDirectory(), location.appKey(), location.userId());
    Files.createDirectories(dir);
    Path file = dir.resolve(FILE_NAME);
    Connection writer = null;
    Connection reader = null;
    try {
      writer = connect(file, false);
      Migrations.migrate(writer);
      reader = connect(file, true);
      return new SqliteMessageStore(providerName, file, writer, reader, writeExecutor);
    } catch (SQLException e) {
      closeQuietly(reader);
      closeQuietly(writer);
      if (isCorruption(e)) {
        Path aside = moveAside(file);
        throw new IOException("store " + file + " is corrupt (" + e.getMessage() + "); kept as " + aside, e);
      }
      throw new IOException("cannot open store " + file + ": " + e.getMessage(), e);
    }
  }

  private static Connection connect(Path file, boolean readOnly) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(10_000);
    config.setGetGeneratedKeys(false); // ids come from RETURNING or are assigned here: skip the driver's extra query
    Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
    try (Statement s = c.createStatement()) {
      // Reading the schema now surfaces a file that is not a database before anything else.
      s.execute("SELECT count(*) FROM sqlite_master");
      s.execute("PRAGMA cache_size = -8192"); // 8 MiB of page cache per connection
      if (readOnly) {
        s.execute("PRAGMA query_only = 1");
      }
    } catch (SQLException e) {
      closeQuietly(c);
      throw e;
    }
    return c;
  }

  static boolean isCorruption(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLiteException se) {
        int primary = se.getResultCode().code & 0xff;
        if (primary == SQLiteErrorCode.SQLITE_CORRUPT.code || primary == SQLiteErrorCode.SQLITE_NOTADB.code) {
          return true;
        }
      }
    }
    return false;
  }

  /** Renames the database (and its WAL and shared-memory files) aside; returns the new name. */
  static Path moveAside(Path file) throws IOException {
    String suffix = ".corrupt-" + System.currentTimeMillis();
    Path aside = file.resolveSibling(file.getFileName() + suffix);
    Files.move(file, aside);
    for (String extra : new String[] {"-wal", "-shm"}) {
      Path sibling = file.resolveSibling(file.getFileName() + extra);
      if (Files.exists(sibling)) {
        Files.move(sibling, file.resolveSibling(file.getFileName() + extra + suffix));
      }
    }
    log.log(Level.WARNING, "corrupt store {0} moved aside to {1}", file, aside);
    return aside;
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing anyway
      }
    }
  }
}
