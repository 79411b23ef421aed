package io.imlink.server.store.postgres.internal;

import io.imlink.server.spi.ServerStateStore;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users, token revocations and blocks in PostgreSQL, with an in-memory copy of revocations and blocks
 * for the connect checks. Writes go to the database at once (autocommit: durable when they return)
 * and into this copy; writes by other server processes reach the copy through a poller (one daemon
 * thread, {@code imlink-pg-state}) that every {@code refresh} reads the rows whose change number
 * ({@code changed}, from the sequence {@code state_changes}) is past the last it has seen.
 *
 * <p>A change number is taken when a write runs but becomes visible when it commits, so a poll may
 * see a later number before an earlier one commits: each poll therefore reads again from the highest
 * number seen by a poll at least {@link #OVERLAP} (or two refreshes) ago, and every entry of the copy
 * keeps the change number it came from, so that a row read again, or read before a write of this
 * store committed, never takes the copy back.
 *
 * <p>Thread safety: any thread. {@link #revokedBefore} and {@link #isBlocked} read the copy and
 * never block; writes and {@link #userExists} block for one statement on a pool connection. {@link
 * #staleness()} is the refresh period (plus the time of one poll).
 */
public final class PgServerState implements ServerStateStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PgServerState.class);
  /** How far back each poll reads again, at least: a write that takes longer to commit may be missed. */
  static final Duration OVERLAP = Duration.ofSeconds(10);

  /** A value of the copy and the change number it came from. */
  private record Entry(long value, long changed) {}

  private record Key(String appKey, String userId) {}

  /** A poll's start (nanoTime) and the highest change number seen up to it. */
  private record Mark(long atNanos, long changed) {}

  private final DataSource pool;
  private final int attempts; // on connections found dropped: the pool's size, and one
  private final Duration refresh;
  private final ConcurrentHashMap<Key, Entry> revokedBefore = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Entry> blockedUntil = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller;
  // The poller's own: by the poller thread only (and by open, before it starts).
  private final Deque<Mark> marks = new ArrayDeque<>();
  private long from = 0; // read rows with changed > from
  private long highest = 0;
  private boolean failing;

  private PgServerState(DataSource pool, int poolSize, Duration refresh) {
    this.pool = pool;
    this.attempts = poolSize + 1;
    this.refresh = refresh;
    this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "imlink-pg-state");
      t.setDaemon(true);
      return t;
    });
  }

  /** Loads the copy and starts polling; blocks for the load. */
  public static PgServerState open(DataSource pool, int poolSize, Duration refresh) throws IOException {
    PgServerState s = new PgServerState(pool, poolSize, refresh);
    try {
      s.poll();
    } catch (SQLException e) {
      s.poller.shutdownNow();
      throw new IOException("cannot load the server state from PostgreSQL: " + e.getMessage(), e);
    }
    long period = Math.max(1, refresh.toNanos());
    s.poller.scheduleWithFixedDelay(s::pollQuietly, period, period, TimeUnit.NANOSECONDS);
    return s;
  }

  private void pollQuietly() {
    try {
      poll();
      if (failing) {
        failing = false;
        log.info("reading the server state from PostgreSQL works again");
      }
    } catch (SQLException | RuntimeException e) {
      if (!failing) { // once per outage, not every refresh
        failing = true;
        log.warn("reading the server state from PostgreSQL failed; the connect checks use the last copy", e);
      }
    }
  }

  /** Reads what changed since the last polls (on the poller thread, or in open). */
  private void poll() throws SQLException {
    long start = System.nanoTime();
    try (Connection c = pool.getConnection()) {
      c.setReadOnly(true);
      try {
        try (PreparedStatement p = c.prepareStatement(
            "SELECT app_key, user_id, revoked_before_ms, changed FROM token_revocations WHERE changed > ?")) {
          p.setLong(1, from);
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              long changed = rs.getLong(4);
              highest = Math.max(highest, changed);
              merge(revokedBefore, new Key(rs.getString(1), rs.getString(2)), rs.getLong(3), changed, true);
            }
          }
        }
        try (PreparedStatement p = c.prepareStatement(
            "SELECT app_key, user_id, until_ms, changed FROM blocks WHERE changed > ?")) {
          p.setLong(1, from);
          try (ResultSet rs = p.executeQuery()) {
            while (rs.next()) {
              long changed = rs.getLong(4);
              highest = Math.max(highest, changed);
              merge(blockedUntil, new Key(rs.getString(1), rs.getString(2)), rs.getLong(3), changed, false);
            }
          }
        }
      } finally {
        c.setReadOnly(false);
      }
    }
    marks.addLast(new Mark(start, highest));
    long back = Math.max(OVERLAP.toNanos(), 2 * refresh.toNanos());
    while (marks.size() > 1 && start - second(marks).atNanos() >= back) {
      marks.removeFirst();
    }
    if (start - marks.peekFirst().atNanos() >= back) {
      from = marks.peekFirst().changed(); // the newest mark at least `back` old
    }
  }

  private static Mark second(Deque<Mark> marks) {
    java.util.Iterator<Mark> it = marks.iterator();
    it.next();
    return it.next();
  }

  /** Puts a value into the copy unless the copy has a later change (for revocations: or a later bound). */
  private static void merge(ConcurrentHashMap<Key, Entry> copy, Key key, long value, long changed, boolean maxValue) {
    copy.merge(key, new Entry(value, changed), (old, neu) -> {
      if (neu.changed() < old.changed()) {
        return old;
      }
      return maxValue && old.value() > neu.value() ? new Entry(old.value(), neu.changed()) : neu;
    });
  }

  @Override
  public void upsertUser(String appKey, String userId, String name, String portraitUri, long nowMs) throws IOException {
    try {
      Jdbc.call(pool, attempts, c -> {
        try (PreparedStatement p = c.prepareStatement(
            "INSERT INTO users(app_key, user_id, name, portrait_uri, created_ms) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (app_key, user_id) DO UPDATE SET name = coalesce(excluded.name, users.name),"
                + " portrait_uri = coalesce(excluded.portrait_uri, users.portrait_uri)")) {
          p.setString(1, appKey);
          p.setString(2, userId);
          p.setString(3, name);
          p.setString(4, portraitUri);
          p.setLong(5, nowMs);
          return p.executeUpdate();
        }
      });
    } catch (SQLException e) {
      throw new IOException("server state write (user) to PostgreSQL failed: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean userExists(String appKey, String userId) throws IOException {
    try {
      return Jdbc.call(pool, attempts, c -> {
        try (PreparedStatement p = c.prepareStatement("SELECT 1 FROM users WHERE app_key = ? AND user_id = ?")) {
          p.setString(1, appKey);
          p.setString(2, userId);
          try (ResultSet rs = p.executeQuery()) {
            return rs.next();
          }
        }
      });
    } catch (SQLException e) {
      throw new IOException("server state read (user) from PostgreSQL failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void revokeTokens(String appKey, String userId, long beforeMs) throws IOException {
    write(revokedBefore, true, "INSERT INTO token_revocations(app_key, user_id, revoked_before_ms, changed)"
        + " VALUES (?, ?, ?, nextval('state_changes')) ON CONFLICT (app_key, user_id) DO UPDATE SET"
        + " revoked_before_ms = GREATEST(token_revocations.revoked_before_ms, excluded.revoked_before_ms),"
        + " changed = excluded.changed RETURNING revoked_before_ms, changed", appKey, userId, beforeMs, "revocation");
  }

  @Override
  public long revokedBefore(String appKey, String userId) {
    Entry e = revokedBefore.get(new Key(appKey, userId));
    return e == null ? Long.MIN_VALUE : e.value();
  }

  @Override
  public void block(String appKey, String userId, long untilMs) throws IOException {
    write(blockedUntil, false, "INSERT INTO blocks(app_key, user_id, until_ms, changed)"
        + " VALUES (?, ?, ?, nextval('state_changes')) ON CONFLICT (app_key, user_id) DO UPDATE SET"
        + " until_ms = excluded.until_ms, changed = excluded.changed RETURNING until_ms, changed",
        appKey, userId, untilMs, "block");
  }

  /** Lifts a block: until 0, a row the other processes' pollers read (a delete they would not see). */
  @Override
  public void unblock(String appKey, String userId) throws IOException {
    write(blockedUntil, false, "UPDATE blocks SET until_ms = ?, changed = nextval('state_changes')"
        + " WHERE app_key = ? AND user_id = ? RETURNING until_ms, changed", appKey, userId, 0L, "unblock");
  }

  private void write(ConcurrentHashMap<Key, Entry> copy, boolean maxValue, String sql, String appKey, String userId,
      long value, String what) throws IOException {
    boolean update = sql.startsWith("UPDATE");
    try {
      Jdbc.call(pool, attempts, c -> { // a value written twice is the same value (a revocation: the highest)
        try (PreparedStatement p = c.prepareStatement(sql)) {
          if (update) {
            p.setLong(1, value);
            p.setString(2, appKey);
            p.setString(3, userId);
          } else {
            p.setString(1, appKey);
            p.setString(2, userId);
            p.setLong(3, value);
          }
          try (ResultSet rs = p.executeQuery()) {
            if (rs.next()) {
              merge(copy, new Key(appKey, userId), rs.getLong(1), rs.getLong(2), maxValue);
            }
          }
          return null;
        }
      });
    } catch (SQLException e) {
      throw new IOException("server state write (" + what + ") to PostgreSQL failed: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean isBlocked(String appKey, String userId, long nowMs) {
    Entry e = blockedUntil.get(new Key(appKey, userId));
    return e != null && nowMs < e.value();
  }

  /** The refresh period: a change made through another store holds here within it, plus one poll. */
  @Override
  public Duration staleness() {
    return refresh;
  }

  /** Stops the poller and waits for a poll that is running. */
  @Override
  public void close() {
    poller.shutdown(); // cancels the next polls; one running ends first (no interrupt mid-statement)
    try {
      if (!poller.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("the server state poller did not stop within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
