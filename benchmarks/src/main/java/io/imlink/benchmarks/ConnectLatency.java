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
 * Connect latency: from {@code connect()} to {@code onConnected(0)}, for each transport (TCP,
 * WebSocket, gRPC) against one in-process reference server on loopback. Per transport one engine
 * connects, is told it is connected, disconnects, and connects again; each connect opens a new
 * connection and authenticates a token. Targets on a 2-core machine: p50 ≤ 1 ms (TCP), 1.5 ms
 * (WebSocket), 3 ms (gRPC).
 */
public final class ConnectLatency {
  private ConnectLatency() {}

  /** The measured percentiles, in microseconds. */
  public record Result(String transport, long count, double p50us, double p90us, double p99us, double maxUs) {}

  /** Measures every transport against one in-process server listening on all three, and prints them side by side. */
  public static java.util.List<Result> run(Harness.Settings settings, PrintStream out) throws Exception {
    Path data = Files.createTempDirectory("imlink-bench");
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (ImServer server = ImServer.builder()
        .app("bench-app", "bench-app-secret")
        // One client connecting back to back from one address is a flood under the default policy
        // (500 per second, bursts of 1000): its refusals (30015) wait out the client's backoff, which
        // is what the tail measured before. This benchmark measures what a connect costs.
        .connectRateLimit(1e6, 1_000_000)
        .listen(URI.create("tcp://127.0.0.1:0"))
        .listen(URI.create("ws://127.0.0.1:0/im"))
        .listen(URI.create("grpc://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(lo, 0))
        .build()
        .start()) {
      String token = new ServerApiClient(server.httpApiUri().orElseThrow(), "bench-app", "bench-app-secret")
          .getToken("bench-user");
      java.util.List<Result> results = new java.util.ArrayList<>();
      for (URI uri : server.listenUris()) {
        results.add(measure(uri, token, data, settings));
      }
      out.printf(Locale.ROOT, "connect latency, connect() -> onConnected(0), in-process server on loopback"
          + " (connects refused with 30015 by the server's per-address limit: %d)%n", server.stats().connectsThrottled());
      out.printf(Locale.ROOT, "  %-10s %8s %10s %10s %10s %10s   target p50%n", "transport", "n", "p50 us", "p90 us", "p99 us", "max us");
      for (Result r : results) {
        String target = switch (r.transport()) {
          case "tcp" -> "<= 1000 us";
          case "ws" -> "<= 1500 us";
          default -> "<= 3000 us";
        };
        out.printf(Locale.ROOT, "  %-10s %8d %10.1f %10.1f %10.1f %10.1f   %s%n",
            r.transport(), r.count(), r.p50us(), r.p90us(), r.p99us(), r.maxUs(), target);
      }
      return results;
    } finally {
      try (var walk = Files.walk(data)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Result measure(URI server, String token, Path data, Harness.Settings settings) throws Exception {
    SynchronousQueue<Long> connectedAt = new SynchronousQueue<>();
    SynchronousQueue<Boolean> signedOut = new SynchronousQueue<>();
    try (ImEngine engine = ImEngine.builder("bench-app")
        .server(server)
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
          throw new IllegalStateException("no onConnected within 10 s at iteration " + i + " over " + server);
        }
        if (i >= settings.warmup()) {
          h.recordValue(end - start);
        }
        engine.disconnect();
        if (signedOut.poll(10, TimeUnit.SECONDS) == null) {
          throw new IllegalStateException("no SIGN_OUT within 10 s");
        }
      }
      return new Result(server.getScheme(), h.getTotalCount(),
          h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(90) / 1e3,
          h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3);
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
