package io.imlink.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.WriteBudget;
import org.junit.jupiter.api.Test;

class WriteBudgetTest {
  @Test
  void theDefaultBudgetIs4MiBAndAdmitsUpToItsBound() {
    WriteBudget b = WriteBudget.of(TransportOptions.defaults());
    assertThat(b.maxBytes()).isEqualTo(4L * 1024 * 1024).isEqualTo(TransportOptions.DEFAULT_MAX_PENDING_BYTES);
    assertThat(b.admits(b.maxBytes())).isTrue();
    assertThat(b.admits(b.maxBytes() + 1)).isFalse();
    assertThat(b.pushLimit()).isEqualTo(1024 * 1024);
    WriteBudget.ExceededException e = b.exceeded(b.maxBytes() + 10);
    assertThat(e.code()).isEqualTo(ErrorCode.CONN_SERVER_UNAVAILABLE.code());
    assertThat(e.pendingBytes()).isEqualTo(b.maxBytes() + 10);
    assertThat(e).hasMessageContaining("peer too slow").hasMessageContaining(Long.toString(b.maxBytes()));
  }

  @Test
  void aBudgetMustHoldOneFrameOfTheLargestSize() {
    assertThatThrownBy(() -> TransportOptions.builder().maxFrameSize(64 * 1024).maxPendingBytes(64 * 1024 - 1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxPendingBytes");
    assertThatThrownBy(() -> TransportOptions.builder().maxPendingBytes(0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(TransportOptions.builder().maxPendingBytes(1 << 20).build().toBuilder().build().maxPendingBytes())
        .isEqualTo(1 << 20);
  }
}
