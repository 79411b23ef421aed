package io.imlink.server.spi;

import java.io.IOException;

/**
 * The signed HTTP API's replay guard: a nonce may be used once within its retention. Part of a
 * {@link ServerStore}: {@link ServerStore#nonces()}. In one process it lives in memory; a store that
 * several server processes share keeps it shared, so that a request captured on its way to one
 * node cannot be replayed to another.
 *
 * <p>Thread safety: may be called from any thread; may block on I/O (the API's worker threads call it).
 */
public interface NonceStore {
  /**
   * True the first time {@code nonce} is seen within {@code retentionMs} of an earlier use, false on
   * a replay: a nonce first used at {@code t} is a replay through {@code t + retentionMs}, that
   * instant included.
   */
  boolean firstUse(String nonce, long nowMs, long retentionMs) throws IOException;
}
