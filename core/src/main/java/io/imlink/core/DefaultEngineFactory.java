package io.imlink.core;

import io.imlink.protocol.Frames;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import io.imlink.api.EngineConfig;
import io.imlink.api.ImEngine;
import io.imlink.api.spi.EngineFactory;
import io.imlink.api.spi.ServiceProviders;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.TransportProvider;
import io.imlink.core.internal.DefaultImEngine;
import io.imlink.core.internal.EngineModule;
import io.imlink.core.internal.EngineThreads;
import io.imlink.core.storage.MemoryStorageProvider;
import io.imlink.api.Limits;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link EngineFactory} of {@code imlink-core}, found by {@link ImEngine.Builder#build()}.
 *
 * <p>At every {@link #create}: discovers transports and storage backends once through {@link
 * java.util.ServiceLoader} (the configured class loader), drops unavailable ones, sorts them by
 * priority (ties by class name), checks that every configured server scheme has a transport and
 * that a named storage exists and that the transport options' maximum frame size can carry every
 * valid message ({@link Frames#requireFrameRoom}), and wires the engine with a Guice injector of its own.
 *
 * <p>Thread safety: stateless; call from any thread.
 */
public final class DefaultEngineFactory implements EngineFactory {
  private static final Logger log = LoggerFactory.getLogger(DefaultEngineFactory.class);
  private static final String SQLITE = "sqlite";

  @Override
  public ImEngine create(EngineConfig config) {
    ClassLoader loader = config.classLoader();
    checkLimits(config);

    Map<String, TransportProvider> transports = new LinkedHashMap<>();
    for (TransportProvider p :
        ServiceProviders.load(
            TransportProvider.class, loader, TransportProvider::isAvailable, TransportProvider::priority)) {
      for (String scheme : p.schemes()) {
        transports.putIfAbsent(scheme.toLowerCase(Locale.ROOT), p);
      }
    }
    for (URI server : config.servers()) {
      if (!transports.containsKey(server.getScheme())) {
        throw new IllegalStateException(ServiceProviders.noTransportFor(server.getScheme(), transports.keySet()));
      }
    }

    Map<String, StorageProvider> storage = new LinkedHashMap<>();
    for (StorageProvider p :
        ServiceProviders.load(
            StorageProvider.class, loader, StorageProvider::isAvailable, StorageProvider::priority)) {
      storage.putIfAbsent(p.name(), p);
    }
    storage.putIfAbsent(MemoryStorageProvider.NAME, new MemoryStorageProvider());
    StorageProvider selected = selectStorage(config, storage, loader);

    String engineId = Integer.toHexString(System.identityHashCode(config));
    EngineThreads threads = new EngineThreads(config, engineId);
    try {
      Injector injector =
          Guice.createInjector(
              Stage.PRODUCTION, new EngineModule(config, threads, transports, storage, selected));
      return injector.getInstance(DefaultImEngine.class);
    } catch (RuntimeException | Error e) {
      threads.shutdown();
      throw e;
    }
  }

  /** The protocol's limits on what the configuration sends: the one place they are checked for the engine. */
  private static void checkLimits(EngineConfig config) {
    if (!Limits.isId(config.appKey())) {
      throw new IllegalArgumentException("appKey must be 1 to " + Limits.MAX_ID_BYTES + " UTF-8 bytes, got "
          + Limits.utf8Length(config.appKey()));
    }
    if (!Limits.isId(config.deviceId())) {
      throw new IllegalArgumentException("deviceId must be 1 to " + Limits.MAX_ID_BYTES + " UTF-8 bytes, got "
          + Limits.utf8Length(config.deviceId()));
    }
    Frames.requireFrameRoom(config.transportOptions().maxFrameSize());
  }

  private static StorageProvider selectStorage(
      EngineConfig config, Map<String, StorageProvider> byName, ClassLoader loader) {
    if (config.storage().isPresent()) {
      String name = config.storage().get();
      StorageProvider p = byName.get(name);
      if (p == null) {
        throw new IllegalStateException(
            unknownStorage(name, byName.keySet(), unavailableStorage(loader, byName.keySet())));
      }
      return p;
    }
    StorageProvider best = byName.values().iterator().next();
    if (best instanceof MemoryStorageProvider) {
      log.warn(
          "no storage module on the class path: using the in-memory store, which keeps nothing"
              + " after the engine closes; add io.imlink:imlink-storage-sqlite for persistence");
    }
    return best;
  }

  /**
   * The message for a storage name no available provider has: the names that are available, the
   * ones on the class path that are not, and the sqlite artifact only if no sqlite provider is there.
   */
  private static String unknownStorage(String name, Set<String> available, Set<String> unavailable) {
    List<String> notes = new ArrayList<>();
    if (!unavailable.isEmpty()) {
      notes.add("on the class path but not available here: " + String.join(", ", unavailable));
    }
    if (!available.contains(SQLITE) && !unavailable.contains(SQLITE)) {
      notes.add("add io.imlink:imlink-storage-sqlite for \"sqlite\"");
    }
    return "unknown storage '" + name + "'; storage providers found: " + String.join(", ", new TreeSet<>(available))
        + (notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")");
  }

  /** The names of the storage providers on the class path that report themselves unavailable. */
  private static Set<String> unavailableStorage(ClassLoader loader, Set<String> available) {
    Set<String> names = new TreeSet<>();
    for (StorageProvider p : ServiceProviders.load(StorageProvider.class, loader, x -> true, x -> 0)) {
      try {
        if (!available.contains(p.name())) {
          names.add(p.name());
        }
      } catch (RuntimeException e) {
        log.debug("storage provider {} cannot tell its name", p.getClass().getName(), e);
      }
    }
    return names;
  }
}
