package io.imlink.benchmarks;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.tck.FaultProxy;
import io.imlink.tck.Network;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The connection lifecycle in real time, per transport: how long after a restarted server is back
 * a client is CONNECTED again (default reconnect policy; target ≤ 100 ms with its first retry),
 * and how long a frozen link takes to be detected against its bound (ping interval + pong
 * timeout; here 1 s + 0.5 s).
 */
public final class LifecycleBenchmark {
  private LifecycleBenchmark() {}

  private static final String KEY = "bench-app";
  private static final String SECRET = "bench-app-secret";

  /** The figures of one transport, in ms. */
  public record Result(String transport, double backP50, double backP90, double backMax,
      double detectP50, double detectMax, double bound) {}

  public static List<Result> run(int restarts, int freezes, PrintStream out) throws Exception {
    List<Result> results = new ArrayList<>();
    Path data = Files.createTempDirectory("imlink-bench-lifecycle");
    try {
      for (String listen : List.of("tcp://127.0.0.1:%d", "ws://127.0.0.1:%d/im", "grpc://127.0.0.1:%d")) {
        results.add(measure(URI.create(String.format(Locale.ROOT, listen, Network.freePort())), restarts, freezes, data));
      }
    } finally {
      try (var walk = Files.walk(data)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    out.printf(Locale.ROOT, "connection lifecycle, real time (restarts %d, freezes %d per transport)%n", restarts, freezes);
    out.printf(Locale.ROOT, "  %-9s %-38s %-42s%n", "", "server back -> CONNECTED (ms)", "frozen link -> SUSPEND (ms)");
    out.printf(Locale.ROOT, "  %-9s %10s %10s %10s   %10s %10s %10s%n", "transport", "p50", "p90", "max", "p50", "max", "bound");
    for (Result r : results) {
      out.printf(Locale.ROOT, "  %-9s %10.1f %10.1f %10.1f   %10.1f %10.1f %10.1f%n",
          r.transport(), r.backP50(), r.backP90(), r.backMax(), r.detectP50(), r.detectMax(), r.bound());
    }
    out.printf(Locale.ROOT, "  targets: back <= 100 ms with the default first retry; detection <= the bound%n");
    return results;
  }

  private static ImServer server(URI listen) throws Exception {
    return ImServer.builder().app(KEY, SECRET).listen(listen)
        .httpApi(new InetSocketAddress(Network.loopback(), 0)).build().start();
  }

  private static Result measure(URI listen, int restarts, int freezes, Path data) throws Exception {
    Histogram back = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
    Histogram detect = new Histogram(TimeUnit.MINUTES.toNanos(5), 3);
    Duration ping = Duration.ofSeconds(1);
    Duration pong = Duration.ofMillis(500);
    ImServer server = server(listen);
    String token = new ServerApiClient(server.httpApiUri().orElseThrow(), KEY, SECRET).getToken("bench-user");
    LinkedBlockingQueue<ConnectionStatus> statuses = new LinkedBlockingQueue<>();

    // Server back -> CONNECTED, with the default policy.
    try (ImEngine engine = ImEngine.builder(KEY).server(listen).dataDirectory(data).storage("memory").build()) {
      engine.addConnectionStatusListener((s, r) -> statuses.add(s));
      engine.connect(token, 0);
      await(statuses, ConnectionStatus.CONNECTED);
      for (int i = 0; i < restarts; i++) {
        server.close();
        await(statuses, ConnectionStatus.SUSPEND);
        server = server(listen);
        long up = System.nanoTime();
        await(statuses, ConnectionStatus.CONNECTED);
        back.recordValue(System.nanoTime() - up);
      }
    }

    // Frozen link -> SUSPEND, through a proxy, at a random moment of the heartbeat cycle.
    SplittableRandom random = new SplittableRandom(7);
    try (FaultProxy proxy = FaultProxy.start(new InetSocketAddress(Network.loopback(), listen.getPort()));
        ImEngine engine = ImEngine.builder(KEY)
            .server(io.imlink.tck.Network.withAddress(listen, proxy.address()))
            .dataDirectory(data).storage("memory").pingInterval(ping).pongTimeout(pong).build()) {
      statuses.clear();
      engine.addConnectionStatusListener((s, r) -> statuses.add(s));
      engine.connect(token, 0);
      await(statuses, ConnectionStatus.CONNECTED);
      for (int i = 0; i < freezes; i++) {
        Thread.sleep(200 + random.nextInt(1000));
        proxy.freeze();
        long frozen = System.nanoTime();
        await(statuses, ConnectionStatus.SUSPEND);
        detect.recordValue(System.nanoTime() - frozen);
        proxy.thaw();
        await(statuses, ConnectionStatus.CONNECTED);
      }
    } finally {
      server.close();
    }
    return new Result(listen.getScheme(),
        back.getValueAtPercentile(50) / 1e6, back.getValueAtPercentile(90) / 1e6, back.getMaxValue() / 1e6,
        detect.getValueAtPercentile(50) / 1e6, detect.getMaxValue() / 1e6, ping.plus(pong).toMillis());
  }

  private static void await(LinkedBlockingQueue<ConnectionStatus> statuses, ConnectionStatus wanted) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      ConnectionStatus s = statuses.poll(100, TimeUnit.MILLISECONDS);
      if (s == wanted) {
        return;
      }
    }
    throw new IllegalStateException("no " + wanted + " within 60 s");
  }
}
