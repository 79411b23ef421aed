package io.imlink.server.store.postgres.internal;

import io.imlink.server.spi.NonceStore;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;

/**
 * The signed API's replay guard in the shared database ({@code nonces}): one upsert per check, which
 * claims the nonce unless a use of it is still within its retention, so that a request seen by one
 * server process is a replay on every other. Expired rows are purged every tenth of a retention, by
 * whichever check comes due.
 *
 * <p>Thread safety: any thread; each call blocks for one or two statements on a pool connection.
 */
public final class PgNonces implements NonceStore {
  private final DataSource pool;
  private final int attempts;
  private final AtomicLong nextPurgeMs = new AtomicLong(Long.MIN_VALUE);

  /** @param poolSize the pool's size: how many dropped connections a check may meet */
  public PgNonces(DataSource pool, int poolSize) {
    this.pool = pool;
    this.attempts = poolSize + 1;
  }

  @Override
  public boolean firstUse(String nonce, long nowMs, long retentionMs) throws IOException {
    try {
      // Run again only on a connection found dropped: at worst a use is seen twice, a replay refused.
      return Jdbc.call(pool, attempts, c -> firstUse(c, nonce, nowMs, retentionMs));
    } catch (SQLException e) {
      throw new IOException("checking an API nonce in PostgreSQL failed: " + e.getMessage(), e);
    }
  }

  private boolean firstUse(Connection c, String nonce, long nowMs, long retentionMs) throws SQLException {
    {
      long due = nextPurgeMs.get();
      if (nowMs >= due && nextPurgeMs.compareAndSet(due, nowMs + Math.max(1, retentionMs / 10))) {
        try (PreparedStatement p = c.prepareStatement("DELETE FROM nonces WHERE expires_ms < ?")) {
          p.setLong(1, nowMs);
          p.executeUpdate();
        }
      }
      try (PreparedStatement p = c.prepareStatement("INSERT INTO nonces(nonce, expires_ms) VALUES (?, ?)"
          + " ON CONFLICT (nonce) DO UPDATE SET expires_ms = excluded.expires_ms WHERE nonces.expires_ms < ?"
          + " RETURNING 1")) {
        p.setString(1, nonce);
        p.setLong(2, nowMs + retentionMs);
        p.setLong(3, nowMs);
        try (ResultSet rs = p.executeQuery()) {
          return rs.next();
        }
      }
    }
  }
}
