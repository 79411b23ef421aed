package io.imlink.server.internal;

import io.imlink.server.spi.ConnectRateLimiter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's own {@link ConnectRateLimiter}, per process: a token bucket of connect attempts per client address. An attempt
 * that finds the bucket empty is refused with 30015 and told how long to wait.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class ConnectLimiter implements ConnectRateLimiter {
  private static final int MAX_TRACKED = 10_000;

  private final double perSecond;
  private final double burst;
  private final Clock clock;
  private final Map<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double tokens;
    long lastMs;

    Bucket(double tokens, long lastMs) {
      this.tokens = tokens;
      this.lastMs = lastMs;
    }
  }

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
    if (!(remote instanceof InetSocketAddress inet) || inet.getAddress() == null) {
      return 0;
    }
    long now = clock.millis();
    if (buckets.size() > MAX_TRACKED) {
      buckets.values().removeIf(b -> b.tokens + (now - b.lastMs) * perSecond / 1000 >= burst);
    }
    Bucket b = buckets.computeIfAbsent(inet.getAddress(), a -> new Bucket(burst, now));
    synchronized (b) {
      b.tokens = Math.min(burst, b.tokens + Math.max(0, now - b.lastMs) * perSecond / 1000);
      b.lastMs = now;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - b.tokens) * 1000 / perSecond));
    }
  }
}
