package io.imlink.api.spi;

import java.io.IOException;
import java.util.Optional;

/**
 * The local store of one user of one app, opened by a {@link StorageProvider}.
 *
 * <p>Thread safety: implementations must allow calls from any thread, concurrently. Every method
 * may block on I/O; the engine calls them from its own threads, never from a transport I/O thread
 * or the callback executor.
 */
public interface MessageStore extends AutoCloseable {

  /** The name of the provider that opened this store, such as {@code "sqlite"}. */
  String providerName();

  /** A small setting stored under {@code key}, or empty. */
  Optional<String> getSetting(String key) throws IOException;

  /** Stores a small setting; a null value removes it. Durable when this returns. */
  void putSetting(String key, String value) throws IOException;

  /** Flushes pending writes and releases the store's files and threads. Idempotent. */
  @Override
  void close() throws IOException;
}
