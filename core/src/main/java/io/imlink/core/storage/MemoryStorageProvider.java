package io.imlink.core.storage;

import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.StoreLocation;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The built-in in-memory storage backend, named {@code "memory"}: used when no storage module is on
 * the class path, when chosen with {@code storage("memory")}, and for a session whose real store
 * could not be opened. Nothing survives the provider (in practice: the engine); a store closed and
 * opened again through the same provider keeps its data.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class MemoryStorageProvider implements StorageProvider {
  /** The name to select this backend by. */
  public static final String NAME = "memory";

  private final Map<StoreLocation, MemoryMessageStore.Data> stores = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return NAME;
  }

  /** The lowest priority: any real backend on the class path is preferred. */
  @Override
  public int priority() {
    return Integer.MIN_VALUE;
  }

  @Override
  public MessageStore open(StoreLocation location) {
    return new MemoryMessageStore(stores.computeIfAbsent(location, l -> new MemoryMessageStore.Data()));
  }
}
