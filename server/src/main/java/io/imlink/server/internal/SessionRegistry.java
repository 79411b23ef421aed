package io.imlink.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's live sessions, by user and by id: an index, not a policy. Which sessions a new login
 * displaces is the cluster's decision ({@link io.imlink.server.spi.Cluster#admit}, by {@link
 * io.imlink.server.spi.SessionPolicy}), made before a session is {@link #add added} here.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class SessionRegistry {
  private final Map<UserKey, Set<ServerSession>> byUser = new ConcurrentHashMap<>();
  private final Map<String, ServerSession> byId = new ConcurrentHashMap<>();

  /** Adds an admitted session. */
  public void add(ServerSession s) {
    byId.put(s.id(), s);
    byUser.compute(s.user(), (u, set) -> {
      Set<ServerSession> sessions = set != null ? set : ConcurrentHashMap.newKeySet();
      sessions.add(s);
      return sessions;
    });
  }

  /** The session with this id on this node, or null. */
  public ServerSession byId(String sessionId) {
    return byId.get(sessionId);
  }

  public void remove(ServerSession s) {
    byId.remove(s.id(), s);
    byUser.computeIfPresent(s.user(), (u, set) -> {
      set.remove(s);
      return set.isEmpty() ? null : set;
    });
  }

  /** The user's live sessions (a snapshot). */
  public List<ServerSession> sessions(UserKey user) {
    Set<ServerSession> set = byUser.get(user);
    return set == null ? List.of() : new ArrayList<>(set);
  }

  public boolean isOnline(UserKey user) {
    Set<ServerSession> set = byUser.get(user);
    return set != null && !set.isEmpty();
  }

  /** Every live session (a snapshot). */
  public List<ServerSession> all() {
    List<ServerSession> out = new ArrayList<>();
    byUser.values().forEach(out::addAll);
    return out;
  }

  public int size() {
    int n = 0;
    for (Set<ServerSession> s : byUser.values()) {
      n += s.size();
    }
    return n;
  }
}
