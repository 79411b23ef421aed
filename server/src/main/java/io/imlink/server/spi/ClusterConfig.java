package io.imlink.server.spi;

import java.util.Map;
import java.util.Optional;

/**
 * What a {@link ClusterProvider} joins with: the multi-device setting every node must share, and
 * the engine's own properties ({@code ImServer.Builder.clusterProperty}, e.g. {@code members}).
 *
 * <p>Thread safety: immutable.
 *
 * @param onePerDeviceClass the server's multi-device policy ({@link SessionPolicy#admit})
 */
public record ClusterConfig(boolean onePerDeviceClass, Map<String, String> properties) {
  public ClusterConfig {
    properties = Map.copyOf(properties);
  }

  /** An engine property. */
  public Optional<String> property(String key) {
    return Optional.ofNullable(properties.get(key));
  }
}
