package io.imlink.benchmarks;

import io.imlink.server.ImServer;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.HdrHistogram.Histogram;

/**
 * The server's store behind its one publish path: {@code ImServer.publish} (what the HTTP API's
 * publish runs, without HTTP) until the message is in the recipient's inbox, for each backend. A
 * loaded run keeps 256 publishes in flight (the store batches them: one transaction per burst) and
 * gives throughput and the latency of each publish under that load; a serial run publishes one at
 * a time (one transaction each) and gives the latency of a lone publish. Recipients rotate among
 * 1,000 users. Target: PostgreSQL at least 50% of SQLite's loaded throughput in the same run.
 */
public final class ServerStoreBenchmark {
  private ServerStoreBenchmark() {}

  /** One backend's figures; latencies in microseconds. */
  public record Result(String store, double perSecond, double loadedP50us, double loadedP99us, double serialP50us,
      double serialP99us) {}

  /** A backend to measure: its name and how to set a server builder up for it (on a fresh database). */
  public record Backend(String name, UnaryOperator<ImServer.Builder> setUp) {}

  private static final String APP = "bench-app";

  /**
   * The backends measured by default: the embedded SQLite store (in a data directory), and
   * PostgreSQL on a new database of an embedded server in this process (the store's test fixture:
   * zonky's PostgreSQL binaries, fsync off), through the postgres store's default pool of 8.
   */
  public static List<Backend> backends() {
    return List.of(new Backend("sqlite", b -> b.store("sqlite")),
        new Backend("postgres", b -> b.store("postgres")
            .storeProperty("jdbc.url", io.imlink.server.store.postgres.EmbeddedPostgresFixture.newDatabaseUrl())
            .storeProperty("jdbc.user", io.imlink.server.store.postgres.EmbeddedPostgresFixture.user())));
  }
  private static final int IN_FLIGHT = 256;

  public static List<Result> run(Harness.Settings settings, List<Backend> backends, PrintStream out) throws Exception {
    int loaded = Math.max(2_000, settings.iterations() * 5);
    int serial = Math.max(200, settings.iterations() / 5);
    List<Result> results = new ArrayList<>();
    for (Backend b : backends) {
      results.add(measure(b, settings.warmup(), loaded, serial));
    }
    out.printf(Locale.ROOT, "server store: ImServer.publish until stored in the inbox; loaded: %d with %d in flight;"
        + " serial: %d one at a time%n", loaded, IN_FLIGHT, serial);
    out.printf(Locale.ROOT, "  %-10s %12s %14s %14s %14s %14s%n", "store", "publish/s", "loaded p50 us", "loaded p99 us",
        "serial p50 us", "serial p99 us");
    for (Result r : results) {
      out.printf(Locale.ROOT, "  %-10s %12.0f %14.1f %14.1f %14.1f %14.1f%n", r.store(), r.perSecond(), r.loadedP50us(),
          r.loadedP99us(), r.serialP50us(), r.serialP99us());
    }
    if (results.size() > 1) {
      Result first = results.get(0);
      for (Result r : results.subList(1, results.size())) {
        out.printf(Locale.ROOT, "  %s / %s loaded throughput: %.0f%% (target >= 50%%)%n", r.store(), first.store(),
            100 * r.perSecond() / first.perSecond());
      }
    }
    return results;
  }

  private static Result measure(Backend backend, int warmup, int loaded, int serial) throws Exception {
    Path data = Files.createTempDirectory("imlink-bench-store");
    ImServer.Builder b = ImServer.builder().app(APP, "bench-app-secret")
        .httpApi(new InetSocketAddress("127.0.0.1", 0)).dataDirectory(data);
    try (ImServer server = backend.setUp().apply(b).build().start()) {
      burst(server, warmup, null);
      Histogram underLoad = new Histogram(3);
      long start = System.nanoTime();
      burst(server, loaded, underLoad);
      double seconds = (System.nanoTime() - start) / 1e9;
      Histogram lone = new Histogram(3);
      for (int i = 0; i < serial; i++) {
        long t = System.nanoTime();
        server.publish(APP, "sender", "user-" + (i % 1000), "RC:TxtMsg", "serial " + i).get(30, TimeUnit.SECONDS);
        lone.recordValue((System.nanoTime() - t) / 1000);
      }
      return new Result(backend.name(), loaded / seconds, underLoad.getValueAtPercentile(50),
          underLoad.getValueAtPercentile(99), lone.getValueAtPercentile(50), lone.getValueAtPercentile(99));
    }
  }

  private static void burst(ImServer server, int n, Histogram latencies) throws Exception {
    Semaphore window = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<Void>> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      window.acquire();
      long t = System.nanoTime();
      CompletableFuture<Void> f = server.publish(APP, "sender", "user-" + (i % 1000), "RC:TxtMsg",
          "{\"content\":\"message " + i + "\"}");
      f.whenComplete((ok, e) -> {
        if (latencies != null && e == null) {
          synchronized (latencies) {
            latencies.recordValue((System.nanoTime() - t) / 1000);
          }
        }
        window.release();
      });
      all.add(f);
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
  }
}
