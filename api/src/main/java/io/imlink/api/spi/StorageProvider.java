package io.imlink.api.spi;

import java.io.IOException;
import java.util.concurrent.Executor;

/**
 * A storage backend: opens a {@link MessageStore} for one user of one app.
 *
 * <p>Registered in {@code META-INF/services/io.imlink.api.spi.StorageProvider}; must have a public
 * no-argument constructor. The engine picks the provider named by {@code ImEngine.Builder#storage},
 * or else the available one of highest priority; with none on the class path it uses its built-in
 * in-memory store ({@code "memory"}).
 *
 * <p>Thread safety: every method may be called from any thread, concurrently.
 */
public interface StorageProvider {

  /** The name integrators select the backend by, such as {@code "sqlite"} or {@code "memory"}. */
  String name();

  /** Preference when no name is configured: the highest wins, ties broken by class name. */
  default int priority() {
    return 5;
  }

  /** Whether the backend can work here (driver present, native code loadable). Must not throw. */
  default boolean isAvailable() {
    return true;
  }

  /**
   * Opens (creating if needed) the store of one user. Blocks while the store opens; called on the
   * engine's internal thread.
   *
   * @param location app key, user id and the engine's data directory
   * @throws IOException if the store cannot be opened or is corrupt; the engine then reports {@code
   *     onDatabaseOpened(33002)} and continues with an in-memory store for the session
   */
  MessageStore open(StoreLocation location) throws IOException;

  /**
   * Opens the store of one user as {@link #open(StoreLocation)} does, with an executor of the
   * engine on which the backend may apply its writes, and complete their futures, instead of on a
   * thread of its own. The engine passes its loop, which submits most writes and consumes their
   * results: a write then costs no thread switch either way. The default ignores the executor.
   *
   * <p>{@code writeExecutor} runs one task at a time, in order. A backend using it must keep
   * {@link MessageStore}'s contract: writes still return at once (a task is queued, never run in
   * the call), a task blocks only for the write itself, and {@link MessageStore#close()} applies
   * the writes still queued on the calling thread, since the executor may have stopped by then.
   *
   * @param writeExecutor a serial executor owned by the engine; never null
   */
  default MessageStore open(StoreLocation location, Executor writeExecutor) throws IOException {
    return open(location);
  }
}
