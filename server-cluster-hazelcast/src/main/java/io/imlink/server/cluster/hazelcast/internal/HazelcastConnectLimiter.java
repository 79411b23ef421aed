package io.imlink.server.cluster.hazelcast.internal;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import io.imlink.server.spi.ConnectRateLimiter;
import io.imlink.server.spi.TokenBucket;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connect-flood limits shared by every node: one {@link TokenBucket} per client address in a
 * Hazelcast map, taken from atomically on the key's owner, so that an address spreading its
 * attempts over the nodes is refused as if it used one.
 *
 * <p>{@link #acquire} never waits for the cluster. It answers from this node's state: an address
 * the shared bucket refused stays refused here until the bucket has a token again, and this node's
 * own bucket ({@link ConnectRateLimiter#inMemory}) still holds for a flood it sees alone. Each
 * attempt it lets through takes a token from the shared bucket in the background, and the answer
 * (refused, and for how long) is what the next attempt here sees. So across the cluster an address
 * gets at most its burst plus the refill, plus, per node, the attempts that arrive while that node's
 * first shared answer is on its way (a round trip to the key's owner). When the cluster cannot be
 * asked, the node's own bucket is all that holds.
 *
 * <p>Thread safety: every method may be called from any thread; the shared answers arrive on
 * Hazelcast's threads. A bucket that would be full again leaves the map (its entry's time to live).
 */
final class HazelcastConnectLimiter implements ConnectRateLimiter {
  private static final Logger log = LoggerFactory.getLogger(HazelcastConnectLimiter.class);
  static final String BUCKETS = "imlink-connect-buckets";
  private static final int MAX_TRACKED = 10_000;

  private final IMap<String, TokenBucket> buckets;
  private final ConnectRateLimiter local;
  private final double perSecond;
  private final int burst;
  private final Clock clock;
  /** Addresses the shared bucket refused, and until when (epoch ms). */
  private final Map<InetAddress, Long> refusedUntil = new ConcurrentHashMap<>();

  HazelcastConnectLimiter(IMap<String, TokenBucket> buckets, double perSecond, int burst, Clock clock) {
    this.buckets = buckets;
    this.local = ConnectRateLimiter.inMemory(perSecond, burst, clock);
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
    Long until = refusedUntil.get(address);
    if (until != null) {
      if (until > now) {
        return until - now;
      }
      refusedUntil.remove(address, until);
    }
    long wait = local.acquire(remote);
    if (wait > 0) {
      return wait;
    }
    buckets.submitToKey(address.getHostAddress(), new Take(now, perSecond, burst)).whenComplete((shared, e) -> {
      if (e != null) {
        log.debug("the shared connect limit for {} could not be taken; this node's own holds", address, e);
      } else if (shared > 0) {
        if (refusedUntil.size() > MAX_TRACKED) {
          long at = clock.millis();
          refusedUntil.values().removeIf(u -> u <= at);
        }
        refusedUntil.merge(address, now + shared, Math::max);
      }
    });
    return 0;
  }

  /** One attempt on an address's shared bucket, on the key's owner: 0, or the milliseconds to wait. */
  record Take(long nowMs, double perSecond, int burst) implements EntryProcessor<String, TokenBucket, Long> {
    private static final long serialVersionUID = 1L;

    @Override
    public Long process(Map.Entry<String, TokenBucket> e) {
      TokenBucket current = e.getValue() == null ? TokenBucket.full(burst, nowMs) : e.getValue();
      TokenBucket.Taken taken = current.take(nowMs, perSecond, burst);
      // Once full again the bucket says nothing a new one would not: let it expire then.
      long ttl = taken.next().millisUntilFull(nowMs, perSecond, burst) + 1_000;
      ((ExtendedMapEntry<String, TokenBucket>) e).setValue(taken.next(), ttl, TimeUnit.MILLISECONDS);
      return taken.waitMs();
    }
  }
}
