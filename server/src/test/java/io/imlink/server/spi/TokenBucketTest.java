package io.imlink.server.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  @Test
  void takesTheBurstThenSaysHowLongUntilTheNextToken() {
    TokenBucket b = TokenBucket.full(2, 1_000);
    TokenBucket.Taken first = b.take(1_000, 4, 2);
    TokenBucket.Taken second = first.next().take(1_000, 4, 2);
    TokenBucket.Taken third = second.next().take(1_000, 4, 2);
    assertThat(first.allowed()).isTrue();
    assertThat(second.allowed()).isTrue();
    assertThat(third.allowed()).isFalse();
    assertThat(third.waitMs()).as("4 per second: a token in 250 ms").isEqualTo(250);
    assertThat(third.next().take(1_249, 4, 2).allowed()).isFalse();
    assertThat(third.next().take(1_250, 4, 2).allowed()).isTrue();
  }

  @Test
  void refillsUpToTheBurstAndNeverBackwards() {
    TokenBucket empty = new TokenBucket(0, 10_000);
    assertThat(empty.tokensAt(20_000, 1, 3)).as("capped at the burst").isEqualTo(3);
    assertThat(empty.tokensAt(5_000, 1, 3)).as("a clock that went back refills nothing").isZero();
    assertThat(empty.take(5_000, 1, 3).next().lastMs()).isEqualTo(10_000);
    assertThat(empty.millisUntilFull(10_000, 1, 3)).isEqualTo(3_000);
    assertThat(empty.millisUntilFull(14_000, 1, 3)).isZero();
  }
}
