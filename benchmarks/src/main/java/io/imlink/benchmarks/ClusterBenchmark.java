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
 * The cluster: two server nodes in this process, each with its own Hazelcast member, sharing one
 * embedded PostgreSQL; engines over TCP with in-memory client stores (so that the figures are the
 * servers', not SQLite's on the clients). The echo A → B → A with A and B on the same node, then on
 * different nodes, one message in flight; and cluster throughput: senders on node 0 to receivers
 * on node 1, without waiting, done when every message is acknowledged and received. Target:
 * cross-node echo p50 ≤ 2× same-node in the same run.
 */
public final class ClusterBenchmark {
  private ClusterBenchmark() {}

  private static final String KEY = "bench-app";
  private static final String SECRET = "bench-app-secret";
  private static final String TEXT = Echoes.TEXT;

  /** The figures; latencies in microseconds. */
  public record Result(double sameNodeP50us, double sameNodeP99us, double crossNodeP50us, double crossNodeP99us,
      int messages, double crossNodePerSecond) {}

  public static Result run(Harness.Settings settings, PrintStream out) throws Exception {
    Path data = Files.createTempDirectory("imlink-bench-cluster");
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    int[] ports = {Network.freePort(), Network.freePort()};
    String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
    String cluster = "imlink-bench-" + UUID.randomUUID();
    List<ImServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        nodes.add(ImServer.builder().app(KEY, SECRET).listen(URI.create("tcp://127.0.0.1:0"))
            .httpApi(new InetSocketAddress(Network.loopback(), 0))
            .store("postgres").storeProperty("jdbc.url", url).storeProperty("jdbc.user", EmbeddedPostgresFixture.user())
            .cluster("hazelcast").clusterProperty("port", String.valueOf(ports[i])).clusterProperty("members", members)
            .clusterProperty("cluster-name", cluster).build().start());
      }
      ServerApiClient api = new ServerApiClient(nodes.get(0).httpApiUri().orElseThrow(), KEY, SECRET);
      URI n0 = nodes.get(0).listenUris().get(0);
      URI n1 = nodes.get(1).listenUris().get(0);
      int echoes = Math.max(1, settings.iterations() / 2);
      int warm = Math.max(1, settings.warmup() / 2);
      Histogram same = echo(n0, n0, "same", api, warm, echoes);
      Histogram cross = echo(n0, n1, "cross", api, warm, echoes);
      int messages = Math.max(1_000, settings.iterations() * 2);
      double perSecond = throughput(n0, n1, api, messages);
      Result r = new Result(same.getValueAtPercentile(50) / 1e3, same.getValueAtPercentile(99) / 1e3,
          cross.getValueAtPercentile(50) / 1e3, cross.getValueAtPercentile(99) / 1e3, messages, perSecond);
      out.printf(Locale.ROOT, "cluster: 2 nodes (Hazelcast members) on one embedded PostgreSQL, TCP, in-memory client stores%n");
      out.printf(Locale.ROOT, "  echo A -> B -> A, same node:  p50 %8.1f us, p99 %8.1f us (%d)%n", r.sameNodeP50us(),
          r.sameNodeP99us(), echoes);
      out.printf(Locale.ROOT, "  echo A -> B -> A, cross node: p50 %8.1f us, p99 %8.1f us (%d); cross/same p50 %.2f"
          + " (target <= 2)%n", r.crossNodeP50us(), r.crossNodeP99us(), echoes, r.crossNodeP50us() / r.sameNodeP50us());
      out.printf(Locale.ROOT, "  one-way node 0 -> node 1, acknowledged and received: %,.0f msg/s (%d)%n",
          r.crossNodePerSecond(), messages);
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
    e.addConnectionStatusListener((s, r) -> {
      if (s == ConnectionStatus.CONNECTED) {
        up.countDown();
      }
    });
    e.connect(api.getToken(user), 10);
    if (!up.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(user + " did not connect to " + uri);
    }
    return e;
  }

  private static Histogram echo(URI aNode, URI bNode, String tag, ServerApiClient api, int warm, int echoes)
      throws Exception {
    String a = tag + "-a";
    String b = tag + "-b";
    try (ImEngine alice = connected(aNode, a, api); ImEngine bob = connected(bNode, b, api)) {
      return Echoes.measure(alice, a, bob, b, warm, echoes, tag + " node");
    }
  }

  private static double throughput(URI from, URI to, ServerApiClient api, int messages) throws Exception {
    try (ImEngine sender = connected(from, "tp-a", api); ImEngine receiver = connected(to, "tp-b", api)) {
      AtomicInteger got = new AtomicInteger();
      CountDownLatch all = new CountDownLatch(1);
      int warm = Math.max(100, messages / 10);
      receiver.addMessageListener((m, left, offline) -> {
        if (got.incrementAndGet() == warm + messages) {
          all.countDown();
        }
      });
      List<CompletableFuture<Message>> acks = new ArrayList<>();
      for (int i = 0; i < warm; i++) {
        acks.add(sender.sendMessage("tp-b", "RC:TxtMsg", TEXT));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      acks.clear();
      long start = System.nanoTime();
      for (int i = 0; i < messages; i++) {
        acks.add(sender.sendMessage("tp-b", "RC:TxtMsg", TEXT));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
      if (!all.await(300, TimeUnit.SECONDS)) {
        throw new IllegalStateException("only " + got.get() + " of " + (warm + messages) + " arrived across nodes");
      }
      return messages / ((System.nanoTime() - start) / 1e9);
    }
  }
}
