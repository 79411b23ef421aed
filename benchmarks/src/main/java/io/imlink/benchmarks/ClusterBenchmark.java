package io.imlink.benchmarks;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.server.store.postgres.EmbeddedPostgresFixture;
import io.imlink.tck.Network;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.HdrHistogram.Histogram;

/**
 * The cluster: three server nodes in this process, each with its own Hazelcast member, sharing one
 * embedded PostgreSQL; engines over TCP with in-memory client stores (so that the figures are the
 * servers', not SQLite's on the clients). The echo A → B → A with A and B on the same node, then on
 * different nodes, one message in flight; and throughput, without waiting, done when every message
 * is acknowledged and received: a sender on node 0 to a receiver on node 1, then the cluster, a
 * sender on each node to a receiver on the next, all at once. Target:
 * cross-node echo p50 ≤ 2× same-node in the same run.
 */
public final class ClusterBenchmark {
  private ClusterBenchmark() {}

  private static final String KEY = "bench-app";
  private static final String SECRET = "bench-app-secret";
  private static final String TEXT = Echoes.TEXT;

  /** The figures; latencies in microseconds. */
  public record Result(double sameNodeP50us, double sameNodeP99us, double crossNodeP50us, double crossNodeP99us,
      int messages, double crossNodePerSecond, double clusterPerSecond) {}

  public static Result run(Harness.Settings settings, PrintStream out) throws Exception {
    Path data = Files.createTempDirectory("imlink-bench-cluster");
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    int[] ports = {Network.freePort(), Network.freePort(), Network.freePort()};
    String members = java.util.Arrays.stream(ports).mapToObj(p -> "127.0.0.1:" + p)
        .collect(java.util.stream.Collectors.joining(","));
    String cluster = "imlink-bench-" + UUID.randomUUID();
    List<ImServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < ports.length; i++) {
        nodes.add(ImServer.builder().app(KEY, SECRET).listen(URI.create("tcp://127.0.0.1:0"))
            .httpApi(new InetSocketAddress(Network.loopback(), 0))
            .store("postgres").storeProperty("jdbc.url", url).storeProperty("jdbc.user", EmbeddedPostgresFixture.user())
            .cluster("hazelcast").clusterProperty("port", String.valueOf(ports[i])).clusterProperty("members", members)
            .clusterProperty("cluster-name", cluster).build().start());
      }
      ServerApiClient api = new ServerApiClient(nodes.get(0).httpApiUri().orElseThrow(), KEY, SECRET);
      URI n0 = nodes.get(0).listenUris().get(0);
      URI n1 = nodes.get(1).listenUris().get(0);
      URI n2 = nodes.get(2).listenUris().get(0);
      int echoes = Math.max(1, settings.iterations() / 2);
      int warm = Math.max(1, settings.warmup() / 2);
      Histogram same = echo(n0, n0, "same", api, warm, echoes);
      Histogram cross = echo(n0, n1, "cross", api, warm, echoes);
      int messages = Math.max(1_000, settings.iterations() * 2);
      double perSecond = throughput(List.<URI[]>of(new URI[] {n0, n1}), api, messages);
      double clusterPerSecond = throughput(
          List.of(new URI[] {n0, n1}, new URI[] {n1, n2}, new URI[] {n2, n0}), api, messages);
      Result r = new Result(same.getValueAtPercentile(50) / 1e3, same.getValueAtPercentile(99) / 1e3,
          cross.getValueAtPercentile(50) / 1e3, cross.getValueAtPercentile(99) / 1e3, messages, perSecond,
          clusterPerSecond);
      out.printf(Locale.ROOT, "cluster: 3 nodes (Hazelcast members) on one embedded PostgreSQL, TCP, in-memory client stores%n");
      out.printf(Locale.ROOT, "  echo A -> B -> A, same node:  p50 %8.1f us, p99 %8.1f us (%d)%n", r.sameNodeP50us(),
          r.sameNodeP99us(), echoes);
      out.printf(Locale.ROOT, "  echo A -> B -> A, cross node: p50 %8.1f us, p99 %8.1f us (%d); cross/same p50 %.2f"
          + " (target <= 2)%n", r.crossNodeP50us(), r.crossNodeP99us(), echoes, r.crossNodeP50us() / r.sameNodeP50us());
      out.printf(Locale.ROOT, "  one-way node 0 -> node 1, acknowledged and received: %,.0f msg/s (%d)%n",
          r.crossNodePerSecond(), messages);
      out.printf(Locale.ROOT, "  cluster, 0 -> 1, 1 -> 2, 2 -> 0 at once, acknowledged and received: %,.0f msg/s (3 x %d)%n",
          r.clusterPerSecond(), messages);
      return r;
    } finally {
      for (ImServer n : nodes) {
        n.close();
      }
      try (var walk = Files.walk(data)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static ImEngine connected(URI uri, String user, ServerApiClient api) throws Exception {
    ImEngine e = ImEngine.builder(KEY).server(uri).storage("memory").build();
    CountDownLatch up = new CountDownLatch(1);
    List<String> trace = new java.util.concurrent.CopyOnWriteArrayList<>();
    e.addConnectionStatusListener((s, r) -> {
      trace.add(s + "(" + r + ")");
      if (s == ConnectionStatus.CONNECTED) {
        up.countDown();
      }
    });
    e.connect(api.getToken(user), 10);
    if (!up.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(user + " did not connect to " + uri + ": " + trace);
    }
    return e;
  }

  private static Histogram echo(URI aNode, URI bNode, String tag, ServerApiClient api, int warm, int echoes)
      throws Exception {
    String a = tag + "-a";
    String b = tag + "-b";
    try (ImEngine alice = connected(aNode, a, api); ImEngine bob = connected(bNode, b, api)) {
      return Echoes.measure(alice, a, bob, b, warm, echoes, tag + " node").latency();
    }
  }

  /**
   * Messages per second, acknowledged and received, with one sender per pair {@code (from, to)}
   * sending {@code messages} to its receiver without waiting, every pair at once.
   */
  private static double throughput(List<URI[]> pairs, ServerApiClient api, int messages) throws Exception {
    List<ImEngine> engines = new ArrayList<>();
    try {
      List<ImEngine> senders = new ArrayList<>();
      List<CountDownLatch> received = new ArrayList<>();
      int warm = Math.max(100, messages / 10);
      for (int i = 0; i < pairs.size(); i++) {
        ImEngine sender = connected(pairs.get(i)[0], "tp-a" + i, api);
        ImEngine receiver = connected(pairs.get(i)[1], "tp-b" + i, api);
        engines.add(sender);
        engines.add(receiver);
        senders.add(sender);
        AtomicInteger got = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(1);
        receiver.addMessageListener((m, left, offline) -> {
          if (got.incrementAndGet() == warm + messages) {
            all.countDown();
          }
        });
        received.add(all);
      }
      sendAll(senders, warm);
      long start = System.nanoTime();
      sendAll(senders, messages);
      for (int i = 0; i < received.size(); i++) {
        if (!received.get(i).await(300, TimeUnit.SECONDS)) {
          throw new IllegalStateException("not all of pair " + i + "'s messages arrived across nodes");
        }
      }
      return (double) messages * pairs.size() / ((System.nanoTime() - start) / 1e9);
    } finally {
      for (ImEngine e : engines) {
        e.close();
      }
    }
  }

  /** Each sender sends {@code n} messages to its receiver ({@code tp-a<i>} to {@code tp-b<i>}); returns once all are acknowledged. */
  private static void sendAll(List<ImEngine> senders, int n) throws Exception {
    List<CompletableFuture<Message>> acks = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < senders.size(); i++) {
        acks.add(senders.get(i).sendMessage("tp-b" + i, "RC:TxtMsg", TEXT));
      }
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
  }
}
