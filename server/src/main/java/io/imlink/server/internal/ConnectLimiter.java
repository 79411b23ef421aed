package io.imlink.server.internal;

import io.imlink.server.spi.ConnectRateLimiter;
import io.imlink.server.spi.TokenBucket;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's own {@link ConnectRateLimiter}, per process: a {@link TokenBucket} of connect attempts
 * per client address. An attempt that finds the bucket empty is refused with 30015 and told how long
 * to wait. At most {@value #MAX_TRACKED} addresses are tracked before the full buckets are forgotten.
 *
 * <p>Thread safety: every method may be called from any thread; it never blocks for long (one map
 * update per attempt).
 */
public final class ConnectLimiter implements ConnectRateLimiter {
  private static final int MAX_TRACKED = 10_000;

  private final double perSecond;
  private final int burst;
  private final Clock clock;
  private final Map<InetAddress, TokenBucket> buckets = new ConcurrentHashMap<>();

  /**
   * @param perSecond attempts refilled per second and address
   * @param burst attempts an address may make at once
   */
  public ConnectLimiter(double perSecond, int burst, Clock clock) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.clock = clock;
  }

  @Override
  public long acquire(SocketAddress remote) {
    InetAddress address = ConnectRateLimiter.addressOf(remote);
    if (address == null) {
      return 0;
    }
    long now = clock.millis();
    if (buckets.size() > MAX_TRACKED) {
      buckets.values().removeIf(b -> b.tokensAt(now, perSecond, burst) >= burst);
    }
    long[] wait = new long[1];
    buckets.compute(address, (a, b) -> {
      TokenBucket.Taken t = (b == null ? TokenBucket.full(burst, now) : b).take(now, perSecond, burst);
      wait[0] = t.waitMs();
      return t.next();
    });
    return wait[0];
  }
}
