package io.imlink.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The harness runs end to end (a handful of iterations; the figures themselves are not asserted). */
class HarnessSmokeTest {
  @Test
  void connectBenchmarkRunsAndReportsPercentiles() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ConnectLatency.Result r = ConnectLatency.run(new Harness.Settings(5, 20), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(r.count()).isEqualTo(20);
    assertThat(r.p50us()).isPositive();
    assertThat(r.p99us()).isGreaterThanOrEqualTo(r.p50us());
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("connect latency").contains("tcp");
  }
}
