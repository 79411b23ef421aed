package io.imlink.server.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live sessions of a server, by user.
 *
 * <p>Thread safety: every method may be called from any thread; none blocks.
 */
public final class SessionRegistry {
  private final Map<UserKey, Set<ServerSession>> byUser = new ConcurrentHashMap<>();

  public void add(ServerSession s) {
    byUser.computeIfAbsent(s.user(), u -> ConcurrentHashMap.newKeySet()).add(s);
  }

  public void remove(ServerSession s) {
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
