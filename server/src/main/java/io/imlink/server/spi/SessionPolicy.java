package io.imlink.server.spi;

import java.util.ArrayList;
import java.util.List;

/**
 * The multi-device policy, in one place for one node and for a cluster: which sessions a new login
 * displaces, or whether it is refused.
 *
 * <p>By default a user has one session per device class (an unspecified class counts as desktop): a
 * new login replaces the older session of its class, which is told why (31010). A
 * <em>reconnecting</em> device does not win against a device of its class that logged in after it
 * first did: it is refused with 31023 instead, so that a device that missed its kick while offline
 * cannot come back and kick the newer one. A reconnect of the same installation (same device id)
 * replaces its own stale session. With one session per device class off, every login is admitted
 * beside the others.
 *
 * <p>Thread safety: stateless; {@link #admit} is a pure function, fit to run inside a cluster
 * engine's atomic update of a user's entries.
 */
public final class SessionPolicy {
  /** The refusal of a reconnecting device that a newer login of its class displaced: 31023. */
  public static final int REFUSED_NEWER_LOGIN = 31023;

  private SessionPolicy() {}

  /**
   * What admitting {@code incoming} does to a user's sessions.
   *
   * @param refusal 0, or the code the new session is refused with (nothing else changes)
   * @param kicked sessions of another installation of the same class: told 31010, then closed
   * @param replaced earlier sessions of the same installation: closed
   * @param next the user's sessions once the decision holds
   */
  public record Decision(int refusal, List<SessionEntry> kicked, List<SessionEntry> replaced, List<SessionEntry> next) {
    public boolean accepted() {
      return refusal == 0;
    }
  }

  /**
   * Decides on {@code incoming} against the user's {@code current} sessions (on every node).
   *
   * @param reconnect whether the client says it is re-establishing a session it had
   */
  public static Decision admit(List<SessionEntry> current, SessionEntry incoming, boolean reconnect,
      boolean onePerDeviceClass) {
    List<SessionEntry> kicked = new ArrayList<>();
    List<SessionEntry> replaced = new ArrayList<>();
    if (onePerDeviceClass) {
      for (SessionEntry other : current) {
        if (classOf(other.deviceClass()) != classOf(incoming.deviceClass())) {
          continue;
        }
        if (other.deviceId().equals(incoming.deviceId())) {
          replaced.add(other);
        } else if (reconnect && other.firstLoginMs() > incoming.firstLoginMs()) {
          return new Decision(REFUSED_NEWER_LOGIN, List.of(), List.of(), List.copyOf(current));
        } else {
          kicked.add(other);
        }
      }
    }
    List<SessionEntry> next = new ArrayList<>(current);
    next.removeAll(kicked);
    next.removeAll(replaced);
    next.add(incoming);
    return new Decision(0, List.copyOf(kicked), List.copyOf(replaced), List.copyOf(next));
  }

  /** Desktop (2) for an unspecified class (0), as the protocol says. */
  private static int classOf(int deviceClass) {
    return deviceClass == 0 ? 2 : deviceClass;
  }
}
