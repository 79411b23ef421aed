package io.imlink.server.internal;

import io.imlink.server.spi.InboxStore;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.WriteBudget;
import io.imlink.server.spi.Cluster;
import io.imlink.server.spi.ConnectRateLimiter;
import io.imlink.server.spi.NonceStore;
import io.imlink.server.spi.ServerStateStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every connection of a server shares. Immutable holder; its parts are thread-safe.
 *
 * @param workers where the connections' serial executors run (never blocked: no I/O, no SQL)
 * @param syncExecutor where inbox reads run (they block on the store)
 */
public record ServerContext(
    TokenService tokens,
    ServerStateStore state,
    SessionRegistry sessions,
    Cluster cluster,
    Counters stats,
    Clock clock,
    ScheduledExecutorService scheduler,
    Duration authTimeout,
    Duration heartbeatInterval,
    Duration idleTimeout,
    ConnectRateLimiter limiter,
    ConnectionCaps caps,
    WriteBudget budget,
    InboxStore inbox,
    NonceStore nonces,
    MessageRouter router,
    Executor workers,
    Executor syncExecutor,
    AtomicBoolean closing,
    SecureRandom random) {

  /** A handler for a newly accepted connection; a closing server closes it at once. */
  public FrameHandler accept(FrameChannel channel) {
    ClientConnection c = new ClientConnection(this, channel);
    if (closing.get()) {
      channel.close();
    }
    return c;
  }
}
