package io.imlink.server.internal;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

/** What every connection of a server shares. Immutable holder; its parts are thread-safe. */
public record ServerContext(
    TokenService tokens,
    ServerState state,
    SessionRegistry sessions,
    Counters stats,
    Clock clock,
    ScheduledExecutorService scheduler,
    Duration authTimeout,
    Duration heartbeatInterval,
    Duration idleTimeout,
    ConnectLimiter limiter,
    Inbox inbox,
    java.util.concurrent.Executor syncExecutor,
    java.util.concurrent.atomic.AtomicBoolean closing,
    SecureRandom random) {

  /** Pushes stored messages to their recipients' live sessions (after the store committed them). */
  public void deliverLive(Inbox.Published published, String appKey) {
    for (Inbox.Delivery d : published.deliveries()) {
      for (ServerSession s : sessions().sessions(new UserKey(appKey, d.userId()))) {
        s.live().push(d.message());
      }
    }
  }

  /** A handler for a newly accepted connection; a closing server closes it at once. */
  public io.imlink.api.spi.FrameHandler accept(io.imlink.api.spi.FrameChannel channel) {
    ClientConnection c = new ClientConnection(this, channel);
    if (closing.get()) {
      channel.close();
    }
    return c;
  }
}
