package io.imlink.storage.sqlite;

import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.StoreLocation;
import io.imlink.storage.sqlite.internal.SqliteStores;
import java.io.IOException;
import java.util.concurrent.Executor;

/**
 * The SQLite storage backend, named {@code "sqlite"}: the default when this artifact is on the
 * class path.
 *
 * <p>One database file per user, {@code <dataDirectory>/<appKey>/<userId>/imlink.db}, with app key
 * and user id turned into safe directory names (ids that could escape the directory or collide are
 * hex-encoded; ids over 64 bytes are refused). WAL journal, {@code synchronous=NORMAL} (a killed
 * process loses nothing committed), foreign keys on, schema versioned by {@code PRAGMA user_version}
 * with forward migrations. Writes are batched into transactions, one batch at a time, by a writer
 * thread of the store's own or on the engine's executor ({@link #open(StoreLocation, Executor)});
 * reads use their own connection and never wait for writes.
 *
 * <p>A file that is not a database or is corrupt is renamed aside ({@code imlink.db.corrupt-<time>},
 * never deleted) and {@link #open} fails, so the engine reports {@code onDatabaseOpened(33002)} and
 * uses an in-memory store for that session; the next session starts a fresh file.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class SqliteStorageProvider implements StorageProvider {
  /** The name to select this backend by. */
  public static final String NAME = "sqlite";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean isAvailable() {
    return SqliteStores.driverAvailable();
  }

  @Override
  public MessageStore open(StoreLocation location) throws IOException {
    return SqliteStores.open(NAME, location, null);
  }

  @Override
  public MessageStore open(StoreLocation location, Executor writeExecutor) throws IOException {
    return SqliteStores.open(NAME, location, java.util.Objects.requireNonNull(writeExecutor, "writeExecutor"));
  }
}
