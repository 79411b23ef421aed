package io.imlink.server.internal;

import io.imlink.server.spi.Cluster;
import io.imlink.server.spi.ClusterConfig;
import io.imlink.server.spi.ClusterNode;
import io.imlink.server.spi.ClusterProvider;
import io.imlink.server.spi.SessionEntry;
import io.imlink.server.spi.SessionPolicy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default cluster, {@code local}: one node, its session directory a map in memory. Every
 * session is on this node, so there is nothing to send to another: {@link #deliver}, {@link
 * #disconnect} and {@link #disconnectUser} have no one to reach.
 *
 * <p>Thread safety: every method may be called from any thread; the decisions for one user are
 * atomic (one {@code compute} of the map).
 */
public final class LocalCluster implements ClusterProvider {
  /** Its name: the server's default cluster. */
  public static final String NAME = "local";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Cluster join(ClusterConfig config, ClusterNode node) {
    return new Node(config.onePerDeviceClass());
  }

  private static final class Node implements Cluster {
    private final boolean onePerDeviceClass;
    private final Map<UserKey, List<SessionEntry>> directory = new ConcurrentHashMap<>();

    Node(boolean onePerDeviceClass) {
      this.onePerDeviceClass = onePerDeviceClass;
    }

    @Override
    public String nodeId() {
      return NAME;
    }

    @Override
    public CompletionStage<SessionPolicy.Decision> admit(String appKey, String userId, SessionEntry incoming,
        boolean reconnect) {
      SessionPolicy.Decision[] decision = new SessionPolicy.Decision[1];
      directory.compute(new UserKey(appKey, userId), (k, current) -> {
        decision[0] = SessionPolicy.admit(current == null ? List.of() : current, incoming, reconnect, onePerDeviceClass);
        List<SessionEntry> next = decision[0].next();
        return next.isEmpty() ? null : next;
      });
      return CompletableFuture.completedFuture(decision[0]);
    }

    @Override
    public void leave(String appKey, String userId, SessionEntry entry) {
      directory.computeIfPresent(new UserKey(appKey, userId), (k, current) -> {
        List<SessionEntry> next = current.stream().filter(e -> !e.sessionId().equals(entry.sessionId())).toList();
        return next.isEmpty() ? null : next;
      });
    }

    @Override
    public boolean isOnline(String appKey, String userId) {
      return directory.containsKey(new UserKey(appKey, userId));
    }

    @Override
    public void deliver(String appKey, String userId, List<byte[]> messages) {}

    @Override
    public void disconnect(SessionEntry entry, int code, String reason) {}

    @Override
    public void disconnectUser(String appKey, String userId, int code, String reason) {}

    @Override
    public void close() {
      directory.clear();
    }

    @Override
    public String toString() {
      return "local (one node)";
    }
  }
}
