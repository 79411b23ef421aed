package io.imlink.benchmarks;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Connect latency: from {@code connect()} to {@code onConnected(0)}, over TCP against an in-process
 * reference server on loopback. One engine connects, is told it is connected, disconnects, and
 * connects again; each connect opens a new socket and authenticates a token. Target: p50 ≤ 1 ms on
 * a 2-core machine.
 */
public final class ConnectLatency {
  private ConnectLatency() {}

  /** The measured percentiles, in microseconds. */
  public record Result(String transport, long count, double p50us, double p90us, double p99us, double maxUs) {}

  public static Result run(Harness.Settings settings, PrintStream out) throws Exception {
    Path data = Files.createTempDirectory("imlink-bench");
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (ImServer server = ImServer.builder()
        .app("bench-app", "bench-app-secret")
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(lo, 0))
        .build()
        .start()) {
      String token = new ServerApiClient(server.httpApiUri().orElseThrow(), "bench-app", "bench-app-secret")
          .getToken("bench-user");
      SynchronousQueue<Long> connectedAt = new SynchronousQueue<>();
      SynchronousQueue<Boolean> signedOut = new SynchronousQueue<>();
      try (ImEngine engine = ImEngine.builder("bench-app")
          .server(server.listenUris().get(0))
          .dataDirectory(data)
          .storage("memory")
          .build()) {
        engine.setOnConnected((code, user) -> {
          long now = System.nanoTime();
          if (code != 0) {
            throw new IllegalStateException("connect failed with " + code);
          }
          put(connectedAt, now);
        });
        engine.addConnectionStatusListener((s, r) -> {
          if (s == ConnectionStatus.SIGN_OUT) {
            put(signedOut, true);
          }
        });
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        int total = settings.warmup() + settings.iterations();
        for (int i = 0; i < total; i++) {
          long start = System.nanoTime();
          if (engine.connect(token, 10) != 0) {
            throw new IllegalStateException("connect refused");
          }
          Long end = connectedAt.poll(10, TimeUnit.SECONDS);
          if (end == null) {
            throw new IllegalStateException("no onConnected within 10 s at iteration " + i);
          }
          if (i >= settings.warmup()) {
            h.recordValue(end - start);
          }
          engine.disconnect();
          if (signedOut.poll(10, TimeUnit.SECONDS) == null) {
            throw new IllegalStateException("no SIGN_OUT within 10 s");
          }
        }
        Result r = new Result("tcp", h.getTotalCount(),
            h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
            h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3);
        out.printf(Locale.ROOT, "connect latency, connect() -> onConnected(0), in-process server on loopback%n");
        out.printf(Locale.ROOT, "  %-10s %8s %10s %10s %10s %10s   target p50 <= 1000 us%n",
            "transport", "n", "p50 us", "p90 us", "p99 us", "max us");
        out.printf(Locale.ROOT, "  %-10s %8d %10.1f %10.1f %10.1f %10.1f%n",
            r.transport(), r.count(), r.p50us(), r.p90us(), r.p99us(), r.maxUs());
        return r;
      }
    } finally {
      try (var walk = Files.walk(data)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static <T> void put(SynchronousQueue<T> q, T value) {
    try {
      q.put(value);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
