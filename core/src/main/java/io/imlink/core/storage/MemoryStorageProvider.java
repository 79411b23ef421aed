package io.imlink.core.storage;

import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.StoreLocation;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The built-in in-memory storage backend, named {@code "memory"}: used when no storage module is on
 * the class path, or when chosen with {@code storage("memory")}. Nothing survives the provider (in
 * practice: the engine); a store closed and opened again by the same provider keeps its data.
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

  /** Thread-safe store over shared {@link Data}. */
  static final class MemoryMessageStore implements MessageStore {
    static final class Data {
      final Map<String, String> settings = new ConcurrentHashMap<>();
    }

    private final Data data;
    private volatile boolean closed;

    MemoryMessageStore(Data data) {
      this.data = data;
    }

    @Override
    public String providerName() {
      return NAME;
    }

    @Override
    public Optional<String> getSetting(String key) {
      checkOpen();
      return Optional.ofNullable(data.settings.get(key));
    }

    @Override
    public void putSetting(String key, String value) {
      checkOpen();
      if (value == null) {
        data.settings.remove(key);
      } else {
        data.settings.put(key, value);
      }
    }

    private void checkOpen() {
      if (closed) {
        throw new IllegalStateException("store is closed");
      }
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
