package io.imlink.server.spi;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * This server node's membership of a cluster of servers that share one {@link ServerStore}: the
 * session directory (which node holds which user's sessions), node-addressed live delivery, and the
 * effects that must reach every node (kicks, blocks). Made by a {@link ClusterProvider}; {@code
 * local}, the default, is a cluster of one.
 *
 * <p>Live delivery is a notification: the durable inbox in the shared store is the source of
 * truth, so a lost notification costs latency (the client gets the message at its next sync), never
 * a message.
 *
 * <p>Thread safety: every method may be called from any thread. {@link #admit} never blocks (it
 * completes later, on a thread of the cluster's); {@link #isOnline} blocks for the lookup;
 * the rest send and return. The {@link ClusterNode} callbacks come on the cluster's threads.
 */
public interface Cluster extends AutoCloseable {
  /** This node's id, unique in the cluster while it is a member. */
  String nodeId();

  /**
   * Admits a new session of a user atomically across the cluster, by {@link SessionPolicy}: the
   * decision names the sessions it displaces, on any node. The caller closes those on this node and
   * has the others closed through {@link #disconnect}.
   */
  CompletionStage<SessionPolicy.Decision> admit(String appKey, String userId, SessionEntry incoming, boolean reconnect);

  /** Removes a session that ended from the directory (nothing if it was already displaced). */
  void leave(String appKey, String userId, SessionEntry entry);

  /** Whether the user has a session on any node. Blocks for the lookup. */
  boolean isOnline(String appKey, String userId) throws IOException;

  /**
   * Hands stored messages of one recipient to the other nodes that hold sessions of the user (this
   * node delivers to its own). {@code messages} are serialized {@code DeliveredMessage}s.
   */
  void deliver(String appKey, String userId, List<byte[]> messages);

  /** Has the node holding a session tell it why and close it. */
  void disconnect(SessionEntry entry, int code, String reason);

  /** Has every other node close every session of the user, telling each why. */
  void disconnectUser(String appKey, String userId, int code, String reason);

  /**
   * A number that changes whenever members join or leave (or the cluster heals): a notification may
   * have been lost with a member, so the server has each live session look in the inbox at its next
   * ping once it changed. A cluster of one never changes it. Never blocks.
   */
  default long epoch() {
    return 0;
  }

  /**
   * A connect-rate limiter whose buckets every node shares, so that an address flooding the cluster
   * through several nodes is refused as if it used one; or empty (the default, and a cluster of one)
   * for the store's or the server's own. Its {@link ConnectRateLimiter#acquire} must answer from
   * local state and never block on the other members.
   *
   * @param perSecond attempts refilled per second and address
   * @param burst attempts an address may make at once
   */
  default java.util.Optional<ConnectRateLimiter> connectRateLimiter(double perSecond, int burst, java.time.Clock clock) {
    return java.util.Optional.empty();
  }

  /** Leaves the cluster: this node's directory entries are removed. Blocks until done. */
  @Override
  void close();
}
