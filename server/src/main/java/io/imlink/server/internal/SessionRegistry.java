package io.imlink.server.internal;

import io.imlink.api.ErrorCode;
import io.imlink.protocol.v1.DeviceClass;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live sessions of a server, by user, and the multi-device policy.
 *
 * <p>By default a user has one session per device class: a new login replaces the older session of
 * the same class, which is told why (31010). A <em>reconnecting</em> device does not win against a
 * device of its class that logged in after it first did — it is refused with 31023 instead, so a
 * device that missed its kick while offline cannot come back and kick the newer one (the commercial
 * SDK's {@code kickReconnectDevice} trap, solved by default). A reconnect of the same installation
 * (same device id) replaces its own stale session silently.
 *
 * <p>Thread safety: every method may be called from any thread; decisions for one user are atomic.
 */
public final class SessionRegistry {
  private final Map<UserKey, Set<ServerSession>> byUser = new ConcurrentHashMap<>();
  private final boolean onePerDeviceClass;

  public SessionRegistry(boolean onePerDeviceClass) {
    this.onePerDeviceClass = onePerDeviceClass;
  }

  /** The outcome of {@link #admit}. */
  public record Admission(int refusal, List<ServerSession> kicked, List<ServerSession> replaced) {
    public boolean accepted() {
      return refusal == 0;
    }
  }

  /**
   * Registers a new session, or refuses it, applying the multi-device policy atomically for the
   * user. The caller tells kicked sessions why (31010) and closes replaced ones.
   *
   * @param reconnect whether the client says it is re-establishing a session it had
   */
  public Admission admit(ServerSession s, boolean reconnect) {
    List<ServerSession> kicked = new ArrayList<>();
    List<ServerSession> replaced = new ArrayList<>();
    int[] refusal = {0};
    byUser.compute(s.user(), (u, set) -> {
      Set<ServerSession> sessions = set != null ? set : ConcurrentHashMap.newKeySet();
      if (onePerDeviceClass) {
        for (ServerSession other : sessions) {
          if (classOf(other.deviceClass()) != classOf(s.deviceClass())) {
            continue;
          }
          if (other.deviceId().equals(s.deviceId())) {
            replaced.add(other);
          } else if (reconnect && other.firstLoginTimeMs() > s.firstLoginTimeMs()) {
            refusal[0] = ErrorCode.CONN_OTHER_DEVICE_LOGIN.code();
          } else {
            kicked.add(other);
          }
        }
      }
      if (refusal[0] != 0) {
        kicked.clear();
        replaced.clear();
        return sessions.isEmpty() ? null : sessions;
      }
      sessions.removeAll(kicked);
      sessions.removeAll(replaced);
      sessions.add(s);
      return sessions;
    });
    return new Admission(refusal[0], List.copyOf(kicked), List.copyOf(replaced));
  }

  private static DeviceClass classOf(DeviceClass c) {
    return c == DeviceClass.DEVICE_CLASS_UNSPECIFIED ? DeviceClass.DEVICE_CLASS_DESKTOP : c;
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
