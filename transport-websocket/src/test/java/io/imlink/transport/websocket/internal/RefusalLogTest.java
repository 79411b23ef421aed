package io.imlink.transport.websocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.tck.FakeClock;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RefusalLogTest {
  private final FakeClock time = new FakeClock();
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final RefusalLog log = new RefusalLog(time.clock(), Duration.ofSeconds(1), (level, line, failure) -> lines.add(line));
  private final InetSocketAddress peer = new InetSocketAddress("127.0.0.1", 40000);

  @Test
  void atMostOneLinePerIntervalWithTheCountOfTheOthers() {
    for (int i = 0; i < 10_000; i++) {
      log.refused(peer, "unmasked client frame");
    }
    assertThat(lines).containsExactly("WebSocket: refused /127.0.0.1:40000: unmasked client frame");

    time.forward(Duration.ofMillis(999));
    log.refused(peer, "unmasked client frame");
    assertThat(lines).hasSize(1);

    time.forward(Duration.ofMillis(1));
    log.refused(peer, "close reason is not UTF-8");
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).isEqualTo(
        "WebSocket: refused /127.0.0.1:40000: close reason is not UTF-8 (and 10000 more refusals since the last line)");

    log.failed(peer, "handling the connection failed", new OutOfMemoryError("test"));
    log.refused(peer, "x");
    log.close();
    assertThat(lines).hasSize(3).last().isEqualTo("WebSocket: 2 more refusals not logged");
    log.close();
    assertThat(lines).hasSize(3);
  }

  @Test
  void aFailureIsOneLineNamingTheError() {
    log.failed(peer, "handling the connection failed", new OutOfMemoryError("test"));
    assertThat(lines).containsExactly(
        "WebSocket: closed /127.0.0.1:40000: handling the connection failed: java.lang.OutOfMemoryError: test");
  }
}
