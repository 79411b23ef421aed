package io.imlink.server.spi;

import java.util.List;

/**
 * What a {@link Cluster} asks of this node on behalf of the others: implemented by the server.
 *
 * <p>Thread safety: called on the cluster's threads, any number of times; every method returns
 * at once (it hands the work to the sessions' own executors).
 */
public interface ClusterNode {
  /** Pushes stored messages of a recipient to this node's sessions of the user. */
  void deliver(String appKey, String userId, List<byte[]> messages);

  /** Tells one of this node's sessions why, then closes it; nothing if it is gone. */
  void disconnect(String sessionId, int code, String reason);

  /** Tells each of this node's sessions of the user why, then closes it. */
  void disconnectUser(String appKey, String userId, int code, String reason);
}
