package io.imlink.benchmarks;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.tck.Network;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Messaging per transport, with SQLite persistence everywhere (both clients' stores and the
 * server's inbox): the echo round trip A → server → B → server → A, one message in flight, and
 * one-way acknowledged throughput (A sends without waiting; done when every message is
 * acknowledged to A and stored by B; timed after an untimed warm-up burst). Targets on TCP: echo p50
 * ≤ 250 µs, ≥ 70k messages/s.
 */
public final class MessagingBenchmark {
  private MessagingBenchmark() {}

  private static final String KEY = "bench-app";
  private static final String SECRET = "bench-app-secret";
  private static final String TEXT = Echoes.TEXT;

  /** One transport's figures. */
  public record Result(String transport, long echoes, double echoP50us, double echoP99us, double wakeupsPerEcho,
      int messages, double perSecond) {}

  public static List<Result> run(Harness.Settings settings, int throughputMessages, PrintStream out) throws Exception {
    Path data = Files.createTempDirectory("imlink-bench-messaging");
    List<Result> results = new ArrayList<>();
    try (ImServer server = ImServer.builder().app(KEY, SECRET)
        .listen(URI.create("tcp://127.0.0.1:0")).listen(URI.create("ws://127.0.0.1:0/im"))
        .listen(URI.create("grpc://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(Network.loopback(), 0))
        .dataDirectory(data.resolve("server")).build().start()) {
      ServerApiClient api = new ServerApiClient(server.httpApiUri().orElseThrow(), KEY, SECRET);
      for (URI uri : server.listenUris()) {
        results.add(measure(uri, api, data, settings, throughputMessages));
      }
    } finally {
      try (var walk = Files.walk(data)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    out.printf(Locale.ROOT, "messaging with SQLite on both clients and the server inbox%n");
    out.printf(Locale.ROOT, "  %-9s %8s %12s %12s %14s   %10s %14s%n", "transport", "echoes", "echo p50 us",
        "echo p99 us", "wakeups/echo", "messages", "acked msg/s");
    for (Result r : results) {
      out.printf(Locale.ROOT, "  %-9s %8d %12.1f %12.1f %14.1f   %10d %,14.0f%n",
          r.transport(), r.echoes(), r.echoP50us(), r.echoP99us(), r.wakeupsPerEcho(), r.messages(), r.perSecond());
    }
    out.printf(Locale.ROOT, "  wakeups/echo: the process's voluntary context switches per timed echo (both clients,"
        + " the server, the benchmark thread; Linux /proc)%n");
    out.printf(Locale.ROOT, "  targets (tcp): echo p50 <= 250 us; >= 70,000 msg/s%n");
    return results;
  }

  private static ImEngine connected(URI uri, String user, ServerApiClient api, Path data) throws Exception {
    ImEngine e = ImEngine.builder(KEY).server(uri).dataDirectory(data.resolve(uri.getScheme()).resolve(user)).build();
    CountDownLatch up = new CountDownLatch(1);
    e.addConnectionStatusListener((s, r) -> {
      if (s == ConnectionStatus.CONNECTED) {
        up.countDown();
      }
    });
    e.connect(api.getToken(uri.getScheme() + "-" + user), 10);
    if (!up.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(user + " did not connect over " + uri);
    }
    return e;
  }

  /** Sends {@code n} messages without waiting, then waits until all are acknowledged and stored by the receiver. */
  private static void burst(ImEngine from, String to, int n, AtomicInteger stored, AtomicInteger expected,
      AtomicReference<CountDownLatch> allStored, URI uri) throws Exception {
    stored.set(0);
    allStored.set(new CountDownLatch(1));
    expected.set(n);
    List<CompletableFuture<Message>> acks = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      acks.add(from.sendMessage(to, "RC:TxtMsg", TEXT));
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
    if (!allStored.get().await(300, TimeUnit.SECONDS)) {
      throw new IllegalStateException("only " + stored.get() + " of " + n + " arrived over " + uri);
    }
  }

  private static Result measure(URI uri, ServerApiClient api, Path data, Harness.Settings settings, int messages)
      throws Exception {
    String a = uri.getScheme() + "-a";
    String b = uri.getScheme() + "-b";
    try (ImEngine alice = connected(uri, "a", api, data); ImEngine bob = connected(uri, "b", api, data)) {
      // Echo: bob sends every message straight back.
      Echoes.Result echoes = Echoes.measure(alice, a, bob, b, Math.max(1, settings.warmup() / 2),
          Math.max(1, settings.iterations() / 2), uri.toString());
      Histogram echo = echoes.latency();

      // Throughput: alice sends to carol without waiting; carol only stores. A first, untimed
      // burst warms the code paths up, as the echoes' first rounds do.
      try (ImEngine carol = connected(uri, "c", api, data)) {
        AtomicInteger stored = new AtomicInteger();
        AtomicReference<CountDownLatch> allStored = new AtomicReference<>();
        AtomicInteger expected = new AtomicInteger();
        carol.addMessageListener((m, left, offline) -> {
          if (stored.incrementAndGet() == expected.get()) {
            allStored.get().countDown();
          }
        });
        String c = uri.getScheme() + "-c";
        burst(alice, c, Math.max(1, Math.min(messages, settings.warmup() * 5)), stored, expected, allStored, uri);
        long start = System.nanoTime();
        burst(alice, c, messages, stored, expected, allStored, uri);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(uri.getScheme(), echo.getTotalCount(), echo.getValueAtPercentile(50) / 1e3,
            echo.getValueAtPercentile(99) / 1e3, echoes.wakeupsPerEcho(), messages, messages / seconds);
      }
    }
  }
}
