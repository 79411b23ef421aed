package io.imlink.server.spi;

import java.io.Serializable;

/**
 * A token bucket's state, as a value: {@code tokens} left at {@code lastMs}. The one refill rule
 * for connect-flood limits, whether the bucket lives in this process or in a cluster's shared map.
 * The bucket holds at most {@code burst} tokens and refills at {@code perSecond}; an attempt takes
 * one, or is told how long to wait for it.
 *
 * <p>Thread safety: immutable. It is {@link Serializable} so that a cluster engine can keep it in a
 * shared map and update it atomically on the key's owner.
 *
 * @param tokens tokens left at {@code lastMs}, from 0 to the burst
 * @param lastMs when the bucket was last refilled, in epoch milliseconds
 */
public record TokenBucket(double tokens, long lastMs) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The outcome of an attempt: the bucket after it, and 0 if it took a token, else the milliseconds to wait. */
  public record Taken(TokenBucket next, long waitMs) {
    public boolean allowed() {
      return waitMs == 0;
    }
  }

  /** A full bucket, for an address seen for the first time. */
  public static TokenBucket full(int burst, long nowMs) {
    return new TokenBucket(burst, nowMs);
  }

  /** The tokens the bucket has at {@code nowMs}, refilled since {@code lastMs} up to {@code burst}. */
  public double tokensAt(long nowMs, double perSecond, int burst) {
    return Math.min(burst, tokens + Math.max(0, nowMs - lastMs) * perSecond / 1000);
  }

  /** An attempt at {@code nowMs}: takes a token if there is one, else says how long until there is. */
  public Taken take(long nowMs, double perSecond, int burst) {
    double now = tokensAt(nowMs, perSecond, burst);
    long at = Math.max(nowMs, lastMs);
    if (now >= 1) {
      return new Taken(new TokenBucket(now - 1, at), 0);
    }
    return new Taken(new TokenBucket(now, at), Math.max(1, (long) Math.ceil((1 - now) * 1000 / perSecond)));
  }

  /** How long until this bucket is full again: after that it carries nothing and may be forgotten. */
  public long millisUntilFull(long nowMs, double perSecond, int burst) {
    return (long) Math.ceil((burst - tokensAt(nowMs, perSecond, burst)) * 1000 / perSecond);
  }
}
