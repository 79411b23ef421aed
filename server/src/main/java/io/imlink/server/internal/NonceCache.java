package io.imlink.server.internal;

import io.imlink.server.spi.NonceStore;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory {@link NonceStore} of one server process: remembers API nonces for a while so that
 * a captured request cannot be replayed. A nonce first seen at {@code t} is a replay through {@code
 * t + retention}, that instant included; entries past it are purged as new ones arrive.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class NonceCache implements NonceStore {
  private final Map<String, Long> seen = new ConcurrentHashMap<>();
  private volatile long nextPurgeMs;

  @Override
  public boolean firstUse(String nonce, long nowMs, long retentionMs) {
    if (nowMs >= nextPurgeMs) {
      nextPurgeMs = nowMs + retentionMs / 10;
      for (Iterator<Long> it = seen.values().iterator(); it.hasNext(); ) {
        if (it.next() < nowMs) {
          it.remove();
        }
      }
    }
    boolean[] fresh = {false};
    seen.compute(nonce, (k, expires) -> {
      if (expires != null && expires >= nowMs) {
        return expires; // a replay within the retention
      }
      fresh[0] = true;
      return nowMs + retentionMs;
    });
    return fresh[0];
  }

  int size() {
    return seen.size();
  }
}
