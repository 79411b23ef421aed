package io.imlink.server.store.postgres.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.imlink.server.spi.InboxStore;
import io.imlink.server.spi.NonceStore;
import io.imlink.server.spi.ServerStateStore;
import io.imlink.server.spi.ServerStore;
import io.imlink.server.spi.ServerStoreConfig;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One opened {@code postgres} store: a connection pool (HikariCP) over the database, the schema
 * migrated by Flyway, and the three parts on that pool: {@link PgInbox} (with its writer thread),
 * {@link PgServerState} (with its poller thread) and {@link PgNonces}.
 *
 * <p>Thread safety: the parts as each says; {@link #close()} once, after every other call returned;
 * it blocks until the writer has drained its queue and both threads have ended.
 */
public final class PostgresServerStore implements ServerStore {
  private static final Logger log = LoggerFactory.getLogger(PostgresServerStore.class);
  /** Where the migrations are, on the class path. */
  public static final String MIGRATIONS = "classpath:db/imlink-postgres";
  /** Flyway's history table, named for imlink so that it cannot clash with another application's. */
  public static final String HISTORY_TABLE = "imlink_schema_history";

  private final PostgresSettings settings;
  private final HikariDataSource pool;
  private final PgInbox inbox;
  private final PgServerState state;
  private final PgNonces nonces;

  private PostgresServerStore(PostgresSettings settings, HikariDataSource pool, PgInbox inbox, PgServerState state,
      PgNonces nonces) {
    this.settings = settings;
    this.pool = pool;
    this.inbox = inbox;
    this.state = state;
    this.nonces = nonces;
  }

  /** Connects, migrates and starts the parts; blocks. */
  public static PostgresServerStore open(PostgresSettings settings, ServerStoreConfig config) throws IOException {
    String where = PostgresSettings.redact(settings.url());
    HikariDataSource pool = pool(settings, where);
    PgInbox inbox = null;
    PgServerState state = null;
    try {
      migrate(pool, where);
      state = PgServerState.open(pool, settings.poolSize(), settings.stateRefresh());
      inbox = new PgInbox(pool, config.random(), settings.poolSize());
      PgNonces nonces = new PgNonces(pool, settings.poolSize());
      log.info("postgres server store at {} ({} connections, state refresh {})", where, settings.poolSize(),
          settings.stateRefresh());
      return new PostgresServerStore(settings, pool, inbox, state, nonces);
    } catch (IOException | RuntimeException | Error e) {
      if (inbox != null) {
        inbox.close();
      }
      if (state != null) {
        state.close();
      }
      pool.close();
      throw e;
    }
  }

  private static HikariDataSource pool(PostgresSettings settings, String where) throws IOException {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("imlink-pg");
    hc.setJdbcUrl(settings.url());
    settings.user().ifPresent(hc::setUsername);
    settings.password().ifPresent(hc::setPassword);
    hc.setMaximumPoolSize(settings.poolSize());
    hc.setMinimumIdle(Math.min(2, settings.poolSize()));
    hc.setConnectionTimeout(10_000);
    hc.setInitializationFailTimeout(1); // one attempt at open: fail fast on a wrong URL or a down database
    hc.addDataSourceProperty("reWriteBatchedInserts", "true");
    hc.addDataSourceProperty("ApplicationName", "imlink-server");
    try {
      HikariDataSource ds = new HikariDataSource(hc);
      try (Connection c = ds.getConnection()) {
        if (!c.isValid(10)) {
          ds.close();
          throw new IOException("cannot connect to the PostgreSQL database at " + where + ": the connection is not valid");
        }
      }
      return ds;
    } catch (SQLException | RuntimeException e) {
      throw new IOException("cannot connect to the PostgreSQL database at " + where + ": " + rootMessage(e), e);
    }
  }

  private static void migrate(HikariDataSource pool, String where) throws IOException {
    try {
      Flyway flyway = Flyway.configure(PostgresServerStore.class.getClassLoader())
          .dataSource(pool)
          .locations(MIGRATIONS)
          .table(HISTORY_TABLE)
          .load();
      // Flyway ignores migrations it does not know by default: a schema newer than this code is refused here.
      MigrationInfoService info = flyway.info();
      for (MigrationInfo m : info.applied()) {
        if (m.getState().name().startsWith("FUTURE")) { // applied, unknown to this code
          throw new IOException("the imlink schema in the PostgreSQL database at " + where + " is at version "
              + info.current().getVersion() + ", newer than this server's " + latestKnown(info)
              + ": run a server at least as new as the one that migrated it");
        }
      }
      flyway.migrate();
    } catch (FlywayException e) {
      throw new IOException("cannot create or migrate the imlink schema in the PostgreSQL database at " + where + ": "
          + rootMessage(e), e);
    }
  }

  private static String latestKnown(MigrationInfoService info) {
    String v = "(none)";
    for (MigrationInfo m : info.all()) {
      if (m.getState().isResolved() && m.getVersion() != null) {
        v = m.getVersion().getVersion();
      }
    }
    return v;
  }

  /** The innermost cause's message, with the outer ones' if they say more. */
  static String rootMessage(Throwable e) {
    StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
    for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      if (c.getMessage() != null && !b.toString().contains(c.getMessage())) {
        b.append(": ").append(c.getMessage());
      }
    }
    return b.toString();
  }

  @Override
  public InboxStore inbox() {
    return inbox;
  }

  @Override
  public ServerStateStore state() {
    return state;
  }

  @Override
  public NonceStore nonces() {
    return nonces;
  }

  @Override
  public void close() {
    try {
      inbox.close();
    } finally {
      try {
        state.close();
      } finally {
        pool.close();
      }
    }
  }

  @Override
  public String toString() {
    return "postgres at " + PostgresSettings.redact(settings.url());
  }
}
