package io.imlink.core.internal;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import io.imlink.api.EngineConfig;
import io.imlink.api.ReconnectPolicy;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.TransportProvider;
import java.time.Clock;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;

/**
 * The Guice module of one engine. It binds what comes from outside the engine: its configuration,
 * its threads, its clock and randomness, its reconnect policy, and the transports (by scheme) and
 * storage backends (by name) that {@link java.util.ServiceLoader} found when it was built. Every
 * part of the engine itself ({@link DefaultImEngine}, {@link Connection}, {@link
 * ConnectionMachine}, {@link Messenger}, {@link UserSessions}, {@link FrameRouter}, {@link
 * Listeners}, {@link Admission}, {@link EngineLoop}) is made by the injector from its {@code
 * @Inject} constructor, one per engine ({@code @Singleton}, eagerly in the production stage). One
 * injector per engine; nothing is shared between engines.
 */
public final class EngineModule extends AbstractModule {
  private final EngineConfig config;
  private final EngineThreads threads;
  private final Map<String, TransportProvider> transportsByScheme;
  private final Map<String, StorageProvider> storageByName;
  private final StorageProvider selectedStorage;

  /**
   * @param transportsByScheme the best available transport of each scheme
   * @param storageByName every available storage backend, by name
   * @param selectedStorage the backend this engine opens stores with
   */
  public EngineModule(
      EngineConfig config,
      EngineThreads threads,
      Map<String, TransportProvider> transportsByScheme,
      Map<String, StorageProvider> storageByName,
      StorageProvider selectedStorage) {
    this.config = config;
    this.threads = threads;
    this.transportsByScheme = transportsByScheme;
    this.storageByName = storageByName;
    this.selectedStorage = selectedStorage;
  }

  @Override
  protected void configure() {
    bind(EngineConfig.class).toInstance(config);
    bind(EngineThreads.class).toInstance(threads);
    bind(Clock.class).toInstance(config.clock());
    bind(ReconnectPolicy.class).toInstance(config.reconnectPolicy());
    bind(RandomGenerator.class).toInstance(config.random().orElseGet(SplittableRandom::new));
    bind(ScheduledExecutorService.class).annotatedWith(Timers.class).toInstance(threads.timers());
    bind(Executor.class).annotatedWith(Callbacks.class).toInstance(threads.callbacks());
    bind(StorageProvider.class).toInstance(selectedStorage);

    MapBinder<String, TransportProvider> transports =
        MapBinder.newMapBinder(binder(), String.class, TransportProvider.class);
    transportsByScheme.forEach((scheme, provider) -> transports.addBinding(scheme).toInstance(provider));
    MapBinder<String, StorageProvider> storage =
        MapBinder.newMapBinder(binder(), String.class, StorageProvider.class);
    storageByName.forEach((name, provider) -> storage.addBinding(name).toInstance(provider));
  }

  @Provides
  @Singleton
  Transports transports(Map<String, TransportProvider> byScheme) {
    return new Transports(byScheme, config.transportOptions());
  }
}
