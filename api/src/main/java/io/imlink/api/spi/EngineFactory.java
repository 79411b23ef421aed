package io.imlink.api.spi;

import io.imlink.api.EngineConfig;
import io.imlink.api.ImEngine;

/**
 * Makes {@link ImEngine}s: the bridge from the {@code api} module to an engine implementation
 * ({@code imlink-core}), found by {@link ImEngine.Builder#build()} through {@link
 * java.util.ServiceLoader}.
 *
 * <p>Registered in {@code META-INF/services/io.imlink.api.spi.EngineFactory}.
 *
 * <p>Thread safety: may be called from any thread, concurrently.
 */
public interface EngineFactory {

  /** Preference among several implementations: the highest wins. */
  default int priority() {
    return 5;
  }

  /**
   * Creates an engine for {@code config}. Blocks while providers are discovered and wired; starts
   * the engine's threads.
   *
   * @throws IllegalStateException with an actionable message if the configuration cannot work here
   *     (no transport for a configured scheme, unknown storage name…)
   */
  ImEngine create(EngineConfig config);
}
