package io.imlink.benchmarks;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark harness: {@code java -jar benchmarks/target/imlink-benchmarks.jar [benchmark]
 * [--warmup N] [--iterations N]}. With no benchmark name, runs them all. Figures are printed, not
 * asserted: performance targets live here, not in tests.
 */
public final class Harness {
  private Harness() {}

  /** Settings shared by the benchmarks. */
  public record Settings(int warmup, int iterations) {}

  public static void main(String[] args) throws Exception {
    run(args, System.out);
  }

  /** Parses the arguments and runs the chosen benchmarks, printing to {@code out}. */
  public static void run(String[] args, PrintStream out) throws Exception {
    int warmup = 2_000;
    int iterations = 10_000;
    String which = "all";
    List<String> list = Arrays.asList(args);
    for (int i = 0; i < list.size(); i++) {
      switch (list.get(i)) {
        case "--warmup" -> warmup = Integer.parseInt(list.get(++i));
        case "--iterations" -> iterations = Integer.parseInt(list.get(++i));
        case "--help", "-h" -> {
          out.println("usage: imlink-benchmarks [connect|storage|lifecycle|messaging|tls|server-store|cluster|idle|all] [--warmup N] [--iterations N]");
          return;
        }
        default -> which = list.get(i);
      }
    }
    Settings settings = new Settings(warmup, iterations);
    out.printf(Locale.ROOT, "imlink benchmarks — %d cores, %s %s, warm-up %d, iterations %d%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
        System.getProperty("java.version"), warmup, iterations);
    switch (which) {
      case "connect" -> ConnectLatency.run(settings, out);
      case "storage" -> StorageBenchmark.run(settings, out);
      case "lifecycle" -> LifecycleBenchmark.run(20, 10, out);
      case "messaging" -> MessagingBenchmark.run(settings, 50_000, out);
      case "tls" -> TlsBenchmark.run(settings, out);
      case "server-store" -> ServerStoreBenchmark.run(settings, ServerStoreBenchmark.backends(), out);
      case "cluster" -> ClusterBenchmark.run(settings, out);
      case "idle" -> IdleSessionsBenchmark.run(Math.max(1_000, settings.iterations()), out);
      case "all" -> {
        ConnectLatency.run(settings, out);
        StorageBenchmark.run(settings, out);
        LifecycleBenchmark.run(20, 10, out);
        MessagingBenchmark.run(settings, 50_000, out);
        TlsBenchmark.run(settings, out);
        ServerStoreBenchmark.run(settings, ServerStoreBenchmark.backends(), out);
        ClusterBenchmark.run(settings, out);
        IdleSessionsBenchmark.run(Math.max(1_000, settings.iterations()), out);
      }
      default -> throw new IllegalArgumentException(
          "unknown benchmark '" + which + "'; known: connect, storage, lifecycle, messaging, tls, server-store, cluster, idle, all");
    }
  }
}
