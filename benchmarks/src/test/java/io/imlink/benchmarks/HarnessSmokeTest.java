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
    var results = ConnectLatency.run(new Harness.Settings(5, 20), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(results).extracting(ConnectLatency.Result::transport).containsExactly("tcp", "ws", "grpc");
    for (ConnectLatency.Result r : results) {
      assertThat(r.count()).isEqualTo(20);
      assertThat(r.p50us()).isPositive();
      assertThat(r.p99us()).isGreaterThanOrEqualTo(r.p50us());
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("connect latency").contains("grpc");
  }

  @Test
  void storageBenchmarkRunsAndReportsItsFigures() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    StorageBenchmark.Result r =
        StorageBenchmark.run(new Harness.Settings(10, 50), new PrintStream(bytes, true, StandardCharsets.UTF_8), 2_000);
    assertThat(r.insertRowsPerSecond()).isPositive();
    assertThat(r.openP50Ms()).isPositive();
    assertThat(r.newest50P50Us()).isPositive();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("batched insert").contains("newest 50 messages");
  }

  @Test
  void lifecycleBenchmarkRunsOnEveryTransport() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var results = LifecycleBenchmark.run(2, 1, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(results).extracting(LifecycleBenchmark.Result::transport).containsExactly("tcp", "ws", "grpc");
    for (LifecycleBenchmark.Result r : results) {
      assertThat(r.backP50()).isPositive();
      assertThat(r.detectMax()).isPositive();
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("server back -> CONNECTED");
  }

  @Test
  void messagingBenchmarkRunsOnEveryTransport() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var results = MessagingBenchmark.run(new Harness.Settings(20, 40), 200, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(results).extracting(MessagingBenchmark.Result::transport).containsExactly("tcp", "ws", "grpc");
    for (MessagingBenchmark.Result r : results) {
      assertThat(r.echoP50us()).isPositive();
      assertThat(r.perSecond()).isPositive();
      if (Wakeups.available()) {
        assertThat(r.wakeupsPerEcho()).as("an echo wakes several threads").isGreaterThan(2);
      }
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("acked msg/s").contains("wakeups/echo");
  }

  @Test
  void tlsBenchmarkComparesTheJdkAndOpenSsl() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var results = TlsBenchmark.run(new Harness.Settings(20, 40), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(results).extracting(TlsBenchmark.Result::implementation).containsExactly("tcp (no TLS)", "jdk", "openssl");
    for (TlsBenchmark.Result r : results) {
      assertThat(r.handshakeP50us()).isPositive();
      assertThat(r.echoMiBps()).isPositive();
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("echo MiB/s");
  }

  @Test
  void serverStoreBenchmarkRunsOnBothBackends() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var results = ServerStoreBenchmark.run(new Harness.Settings(50, 100), ServerStoreBenchmark.backends(),
        new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(results).extracting(ServerStoreBenchmark.Result::store).containsExactly("sqlite", "postgres");
    for (ServerStoreBenchmark.Result r : results) {
      assertThat(r.perSecond()).isPositive();
      assertThat(r.serialP50us()).isPositive();
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("postgres / sqlite loaded throughput");
  }

  @Test
  void clusterBenchmarkComparesSameAndCrossNode() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var r = ClusterBenchmark.run(new Harness.Settings(20, 40), new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(r.sameNodeP50us()).isPositive();
    assertThat(r.crossNodeP50us()).isPositive();
    assertThat(r.crossNodePerSecond()).isPositive();
    assertThat(r.clusterPerSecond()).isPositive();
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("cross/same p50");
  }

  @Test
  void idleSessionsBenchmarkMeasuresMemoryPerSession() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var r = IdleSessionsBenchmark.run(200, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    assertThat(r.sessions()).isEqualTo(200);
    assertThat(r.threadsWith()).as("no thread per session").isLessThan(r.threadsBefore() + 20);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("bytes each");
  }
}
