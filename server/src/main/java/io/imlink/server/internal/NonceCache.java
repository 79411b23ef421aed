package io.imlink.server.internal;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers API nonces for a while so that a captured request cannot be replayed. A nonce first seen
 * at {@code t} is a replay through {@code t + retention}, that instant included; entries past it are
 * purged as new ones arrive.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
final class NonceCache {
  private final long retentionMs;
  private final Map<String, Long> seen = new ConcurrentHashMap<>();
  private volatile long nextPurgeMs;

  NonceCache(Duration retention) {
    this.retentionMs = retention.toMillis();
  }

  /** True the first time {@code nonce} is seen within the retention, false on a replay. */
  boolean firstUse(String nonce, long nowMs) {
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
