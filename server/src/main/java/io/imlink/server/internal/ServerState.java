package io.imlink.server.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import io.imlink.server.spi.ServerStateStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server state that must survive a restart — registered users, token revocations, blocks — in
 * an embedded SQLite database ({@code <dataDirectory>/server.db}, or in memory), with an in-memory
 * copy of revocations and blocks so that connect checks never touch the disk.
 *
 * <p>One process: the copy is read at open, so a revocation or block written by another process
 * into the same file is not seen until a restart ({@link #staleness()} is zero, since no other
 * process is expected). Share the state between servers with the {@code postgres} store.
 *
 * <p>Thread safety: reads of the in-memory copy are lock-free; writes are serialised and durable
 * (committed) when they return. Writes block on I/O: call them from API threads, not I/O threads.
 */
public final class ServerState implements ServerStateStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerState.class);
  private static final int SCHEMA_VERSION = 1;

  private final Connection db;
  private final Map<UserKey, Long> revokedBefore = new ConcurrentHashMap<>();
  private final Map<UserKey, Long> blockedUntil = new ConcurrentHashMap<>();

  private ServerState(Connection db) throws SQLException {
    this.db = db;
    migrate();
    load();
  }

  /** Opens (creating) {@code <directory>/server.db}. */
  public static ServerState open(Path directory) throws IOException {
    Files.createDirectories(directory);
    Path file = directory.resolve("server.db");
    try {
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
      }
      log.info("server state in {}", file);
      return new ServerState(c);
    } catch (SQLException e) {
      throw new IOException("cannot open server state " + file + ": " + e.getMessage(), e);
    }
  }

  /** A state that lives in memory only, for tests and demos. */
  public static ServerState inMemory() {
    try {
      return new ServerState(DriverManager.getConnection("jdbc:sqlite::memory:"));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open an in-memory SQLite database", e);
    }
  }

  private void migrate() throws SQLException {
    int version;
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
      version = rs.next() ? rs.getInt(1) : 0;
    }
    if (version > SCHEMA_VERSION) {
      throw new SQLException("server state has schema version " + version + ", newer than this server's " + SCHEMA_VERSION);
    }
    if (version < 1) {
      try (Statement s = db.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS users(app_key TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT,"
            + " portrait_uri TEXT, created_ms INTEGER NOT NULL, PRIMARY KEY(app_key, user_id))");
        s.execute("CREATE TABLE IF NOT EXISTS token_revocations(app_key TEXT NOT NULL, user_id TEXT NOT NULL,"
            + " revoked_before_ms INTEGER NOT NULL, PRIMARY KEY(app_key, user_id))");
        s.execute("CREATE TABLE IF NOT EXISTS blocks(app_key TEXT NOT NULL, user_id TEXT NOT NULL,"
            + " until_ms INTEGER NOT NULL, PRIMARY KEY(app_key, user_id))");
        s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
      }
    }
  }

  private void load() throws SQLException {
    try (Statement s = db.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT app_key, user_id, revoked_before_ms FROM token_revocations")) {
        while (rs.next()) {
          revokedBefore.put(new UserKey(rs.getString(1), rs.getString(2)), rs.getLong(3));
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT app_key, user_id, until_ms FROM blocks")) {
        while (rs.next()) {
          blockedUntil.put(new UserKey(rs.getString(1), rs.getString(2)), rs.getLong(3));
        }
      }
    }
  }

  @Override
  public synchronized void upsertUser(String appKey, String userId, String name, String portraitUri, long nowMs)
      throws IOException {
    UserKey user = new UserKey(appKey, userId);
    update(
        "INSERT INTO users(app_key, user_id, name, portrait_uri, created_ms) VALUES(?,?,?,?,?)"
            + " ON CONFLICT(app_key, user_id) DO UPDATE SET name = coalesce(excluded.name, name),"
            + " portrait_uri = coalesce(excluded.portrait_uri, portrait_uri)",
        user.appKey(), user.userId(), name, portraitUri, nowMs);
  }

  @Override
  public synchronized boolean userExists(String appKey, String userId) throws IOException {
    UserKey user = new UserKey(appKey, userId);
    try (PreparedStatement p = db.prepareStatement("SELECT 1 FROM users WHERE app_key = ? AND user_id = ?")) {
      p.setString(1, user.appKey());
      p.setString(2, user.userId());
      try (ResultSet rs = p.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new IOException(e);
    }
  }

  @Override
  public synchronized void revokeTokens(String appKey, String userId, long beforeMs) throws IOException {
    UserKey user = new UserKey(appKey, userId);
    long effective = Math.max(beforeMs, revokedBefore.getOrDefault(user, Long.MIN_VALUE));
    update(
        "INSERT INTO token_revocations(app_key, user_id, revoked_before_ms) VALUES(?,?,?)"
            + " ON CONFLICT(app_key, user_id) DO UPDATE SET revoked_before_ms = excluded.revoked_before_ms",
        user.appKey(), user.userId(), effective);
    revokedBefore.put(user, effective);
  }

  @Override
  public long revokedBefore(String appKey, String userId) {
    return revokedBefore.getOrDefault(new UserKey(appKey, userId), Long.MIN_VALUE);
  }

  @Override
  public synchronized void block(String appKey, String userId, long untilMs) throws IOException {
    UserKey user = new UserKey(appKey, userId);
    update(
        "INSERT INTO blocks(app_key, user_id, until_ms) VALUES(?,?,?)"
            + " ON CONFLICT(app_key, user_id) DO UPDATE SET until_ms = excluded.until_ms",
        user.appKey(), user.userId(), untilMs);
    blockedUntil.put(user, untilMs);
  }

  @Override
  public synchronized void unblock(String appKey, String userId) throws IOException {
    UserKey user = new UserKey(appKey, userId);
    update("DELETE FROM blocks WHERE app_key = ? AND user_id = ?", user.appKey(), user.userId());
    blockedUntil.remove(user);
  }

  @Override
  public boolean isBlocked(String appKey, String userId, long nowMs) {
    Long until = blockedUntil.get(new UserKey(appKey, userId));
    return until != null && nowMs < until;
  }

  @Override
  public Duration staleness() {
    return Duration.ZERO;
  }

  private void update(String sql, Object... args) throws IOException {
    try (PreparedStatement p = db.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setObject(i + 1, args[i]);
      }
      p.executeUpdate();
    } catch (SQLException e) {
      throw new IOException("server state write failed: " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      db.close();
    } catch (SQLException e) {
      log.warn("closing the server state failed", e);
    }
  }
}
