package io.imlink.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import io.imlink.api.EngineConfig;
import io.imlink.api.ImEngine;
import io.imlink.api.ReconnectPolicy;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.TransportProvider;
import io.imlink.core.TestProviders;
import io.imlink.core.storage.MemoryStorageProvider;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The per-engine Guice graph. */
class EngineModuleTest {

  @Test
  void wiresConfigThreadsAndProvidersByKey() throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    Clock clock = Clock.fixed(Instant.parse("2026-11-26T00:00:00Z"), ZoneOffset.UTC);
    RandomGenerator random = new SplittableRandom(1);
    ReconnectPolicy policy = ReconnectPolicy.fixed(java.time.Duration.ofSeconds(1));
    EngineConfig config = config(ImEngine.builder("app")
        .server(URI.create("tcp://127.0.0.1:1"))
        .scheduler(scheduler)
        .clock(clock)
        .random(random)
        .reconnectPolicy(policy));
    EngineThreads threads = new EngineThreads(config, "t");
    TransportProvider tcp = new TestProviders.TcpA();
    TransportProvider ws = new TestProviders.Ws();
    StorageProvider memory = new MemoryStorageProvider();
    try {
      Injector injector =
          Guice.createInjector(
              new EngineModule(
                  config, threads, Map.of("tcp", tcp, "ws", ws, "wss", ws), Map.of("memory", memory), memory));

      Map<String, TransportProvider> transports =
          injector.getInstance(Key.get(new TypeLiteral<Map<String, TransportProvider>>() {}));
      assertThat(transports).containsOnlyKeys("tcp", "ws", "wss").containsEntry("tcp", tcp).containsEntry("wss", ws);
      Map<String, StorageProvider> storage =
          injector.getInstance(Key.get(new TypeLiteral<Map<String, StorageProvider>>() {}));
      assertThat(storage).containsOnly(Map.entry("memory", memory));

      assertThat(injector.getInstance(Clock.class)).isSameAs(clock);
      assertThat(injector.getInstance(RandomGenerator.class)).isSameAs(random);
      assertThat(injector.getInstance(ReconnectPolicy.class)).isSameAs(policy);
      assertThat(injector.getInstance(Key.get(ScheduledExecutorService.class, Timers.class))).isSameAs(scheduler);
      assertThat(injector.getInstance(Key.get(Executor.class, Callbacks.class))).isSameAs(threads.callbacks());
      assertThat(injector.getInstance(Transports.class)).isSameAs(injector.getInstance(Transports.class));
      assertThat(injector.getInstance(Transports.class).provider(URI.create("ws://h:2"))).isSameAs(ws);
    } finally {
      threads.shutdown();
      scheduler.shutdownNow();
    }
  }

  @Test
  void twoEnginesShareNothing() {
    EngineConfig config = config(ImEngine.builder("app").server(URI.create("tcp://127.0.0.1:1")));
    EngineThreads a = new EngineThreads(config, "a");
    EngineThreads b = new EngineThreads(config, "b");
    try {
      TransportProvider tcp = new TestProviders.TcpA();
      StorageProvider memory = new MemoryStorageProvider();
      Injector ia = Guice.createInjector(new EngineModule(config, a, Map.of("tcp", tcp), Map.of(), memory));
      Injector ib = Guice.createInjector(new EngineModule(config, b, Map.of("tcp", tcp), Map.of(), memory));
      assertThat(ia.getInstance(Transports.class)).isNotSameAs(ib.getInstance(Transports.class));
      assertThat(ia.getInstance(Key.get(Executor.class, Callbacks.class)))
          .isNotSameAs(ib.getInstance(Key.get(Executor.class, Callbacks.class)));
    } finally {
      a.shutdown();
      b.shutdown();
    }
  }

  static EngineConfig config(ImEngine.Builder builder) {
    return builder.buildConfig();
  }
}
