package io.imlink.server.spi;

import java.io.IOException;

/**
 * A cluster engine, found by {@link java.util.ServiceLoader} (register the class in {@code
 * META-INF/services/io.imlink.server.spi.ClusterProvider}) and chosen by {@link #name()} with {@code
 * ImServer.Builder.cluster(name)}: {@code local}, the default in {@code imlink-server} (one node),
 * and {@code hazelcast} in {@code imlink-server-cluster-hazelcast}.
 *
 * <p>Thread safety: {@link #join} may be called from any thread, once per server start; it blocks
 * while the node joins.
 */
public interface ClusterProvider {
  /** The name the server is configured with, e.g. {@code local}. */
  String name();

  /**
   * Joins (or forms) the cluster as a new node.
   *
   * @param node what the other nodes ask of this one
   * @throws IOException the cluster cannot be joined; the message says why
   * @throws IllegalArgumentException a property is missing or malformed; the message names it
   */
  Cluster join(ClusterConfig config, ClusterNode node) throws IOException;
}
