package io.imlink.benchmarks;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.tck.Network;
import io.moquette.broker.Server;
import io.moquette.broker.config.MemoryConfig;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * imlink against its peer of issue 16, in one run and one process layout: the HiveMQ MQTT client
 * 1.3.10 (Netty) against an embedded Moquette 0.17 broker, QoS 1, 64-byte payloads, beside imlink's
 * TCP client against its in-process server. Both on loopback, broker or server and clients in this
 * JVM. Three figures each: connect (to CONNACK / {@code onConnected(0)}), the echo round trip with
 * one message in flight, and one-way acknowledged throughput; imlink with SQLite on both clients
 * and the server (the condition), and its echo with in-memory client stores for
 * information. Moquette keeps its sessions in memory ({@code persistence_enabled=false}).
 */
public final class PeerBenchmark {
  private PeerBenchmark() {}

  private static final String KEY = "bench-app";
  private static final String SECRET = "bench-app-secret";
  private static final int PAYLOAD = 64;

  /** One side's figures: connect p50/p99 and echo p50/p99 in µs, throughput in messages per second. */
  public record Side(double connectP50us, double connectP99us, double echoP50us, double echoP99us,
      double perSecond) {}

  /** Both sides, and imlink's echo with in-memory client stores. */
  public record Result(Side imlink, Side peer, double imlinkMemoryEchoP50us, double imlinkMemoryEchoP99us) {}

  /** Runs both sides: connects {@code settings}' counts, half as many echoes, {@code messages} one way. */
  public static Result run(Harness.Settings settings, int messages, PrintStream out) throws Exception {
    Side imlink;
    MessagingBenchmark.Result memory;
    Path data = Files.createTempDirectory("imlink-bench-peer");
    try (ImServer server = ImServer.builder().app(KEY, SECRET)
        .listen(URI.create("tcp://127.0.0.1:0"))
        .httpApi(new InetSocketAddress(Network.loopback(), 0))
        .dataDirectory(data.resolve("server")).build().start()) {
      URI tcp = server.listenUris().get(0);
      ServerApiClient api = new ServerApiClient(server.httpApiUri().orElseThrow(), KEY, SECRET);
      ConnectLatency.Result connect = ConnectLatency.measure(tcp, api.getToken("peer-connect"), data, settings);
      MessagingBenchmark.Result persisted = MessagingBenchmark.measure(tcp, api, data, settings, messages, "sqlite");
      memory = MessagingBenchmark.measure(tcp, api, data, settings, messages, "memory");
      imlink = new Side(connect.p50us(), connect.p99us(), persisted.echoP50us(), persisted.echoP99us(),
          persisted.perSecond());
    } finally {
      delete(data);
    }
    Side peer = peer(settings, messages, out);
    Result r = new Result(imlink, peer, memory.echoP50us(), memory.echoP99us());
    print(r, settings, messages, out);
    return r;
  }

  private static void print(Result r, Harness.Settings s, int messages, PrintStream out) {
    out.printf(Locale.ROOT, "imlink vs the peer: HiveMQ MQTT client 1.3.10 -> embedded Moquette 0.17 (store in memory,"
        + " persistence_enabled=false), QoS 1, %d-byte payloads; TCP on loopback, one JVM%n", PAYLOAD);
    out.printf(Locale.ROOT, "  imlink: TCP, SQLite on both clients and the server; connect %d after %d warm-up,"
        + " echo %d after %d, %,d one way%n", s.iterations(), s.warmup(), echoes(s), echoWarm(s), messages);
    out.printf(Locale.ROOT, "  %-34s %12s %12s %8s   %-18s %s%n", "figure", "imlink", "peer", "ratio", "target", "met");
    row(out, "connect p50 us", r.imlink().connectP50us(), r.peer().connectP50us(), "-", true);
    row(out, "connect p99 us", r.imlink().connectP99us(), r.peer().connectP99us(), "<= 1x",
        r.imlink().connectP99us() <= r.peer().connectP99us());
    row(out, "echo p50 us", r.imlink().echoP50us(), r.peer().echoP50us(), "<= 0.5x",
        r.imlink().echoP50us() <= 0.5 * r.peer().echoP50us());
    row(out, "echo p99 us", r.imlink().echoP99us(), r.peer().echoP99us(), "-", true);
    row(out, "one-way acked msg/s", r.imlink().perSecond(), r.peer().perSecond(), ">= 2x",
        r.imlink().perSecond() >= 2 * r.peer().perSecond());
    out.printf(Locale.ROOT, "  for information, imlink with in-memory client stores: echo p50 %.1f us (%.2fx the peer),"
        + " p99 %.1f us%n", r.imlinkMemoryEchoP50us(), r.imlinkMemoryEchoP50us() / r.peer().echoP50us(),
        r.imlinkMemoryEchoP99us());
  }

  private static void row(PrintStream out, String figure, double imlink, double peer, String target, boolean met) {
    out.printf(Locale.ROOT, "  %-34s %,12.1f %,12.1f %7.2fx   %-18s %s%n", figure, imlink, peer, imlink / peer, target,
        target.equals("-") ? "" : met ? "met" : "NOT met");
  }

  private static int echoWarm(Harness.Settings s) {
    return Math.max(1, s.warmup() / 2);
  }

  private static int echoes(Harness.Settings s) {
    return Math.max(1, s.iterations() / 2);
  }

  /** The peer's three figures, on a Moquette broker started for them. */
  private static Side peer(Harness.Settings settings, int messages, PrintStream out) throws Exception {
    Properties p = new Properties();
    p.setProperty("host", "127.0.0.1");
    p.setProperty("port", Integer.toString(freePort()));
    p.setProperty("websocket_port", "disabled");
    p.setProperty("allow_anonymous", "true");
    p.setProperty("persistence_enabled", "false");
    p.setProperty("buffer_flush_millis", "0");
    Server broker = new Server();
    broker.startServer(new MemoryConfig(p));
    try {
      int port = broker.getPort();
      Histogram connect = connect(port, settings);
      Mqtt3AsyncClient a = connected(port, "peer-a");
      Mqtt3AsyncClient b = connected(port, "peer-b");
      Mqtt3AsyncClient c = connected(port, "peer-c");
      try {
        byte[] payload = new byte[PAYLOAD];
        java.util.concurrent.LinkedBlockingQueue<Long> echoed = new java.util.concurrent.LinkedBlockingQueue<>();
        subscribe(b, "to/b", m -> b.publishWith().topic("to/a").qos(MqttQos.AT_LEAST_ONCE)
            .payload(m.getPayloadAsBytes()).send());
        // offer, not put: the callback runs on a's event loop, which must never block (a message
        // nobody waits for, such as a QoS 1 duplicate, would stop a's PUBACKs).
        subscribe(a, "to/a", m -> echoed.offer(System.nanoTime()));
        Histogram echo = Echoes.time(() -> a.publishWith().topic("to/b").qos(MqttQos.AT_LEAST_ONCE)
            .payload(payload).send(), echoed, echoWarm(settings), echoes(settings), "mqtt");

        AtomicInteger received = new AtomicInteger();
        AtomicInteger expected = new AtomicInteger();
        AtomicReference<CountDownLatch> all = new AtomicReference<>();
        subscribe(c, "to/c", m -> {
          if (received.incrementAndGet() == expected.get()) {
            all.get().countDown();
          }
        });
        String missing = burst(a, payload, Math.max(1, Math.min(messages, settings.warmup() * 5)), received, expected,
            all);
        long start = System.nanoTime();
        if (missing == null) {
          missing = burst(a, payload, messages, received, expected, all);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (missing != null) {
          // Open: the burst's PUBACKs do not come back (see the report of the peer benchmark).
          out.printf(Locale.ROOT, "  peer one-way throughput NOT measured: %s%n", missing);
          seconds = Double.NaN;
        }
        return new Side(connect.getValueAtPercentile(50) / 1e3, connect.getValueAtPercentile(99) / 1e3,
            echo.getValueAtPercentile(50) / 1e3, echo.getValueAtPercentile(99) / 1e3, messages / seconds);
      } finally {
        for (Mqtt3AsyncClient client : List.of(a, b, c)) {
          client.disconnect().get(10, TimeUnit.SECONDS);
        }
      }
    } finally {
      broker.stopServer();
    }
  }

  /** One client connecting and disconnecting again and again, timed from connect start to CONNACK. */
  private static Histogram connect(int port, Harness.Settings settings) throws Exception {
    Mqtt3AsyncClient client = client(port, "peer-connect");
    SynchronousQueue<Long> connackAt = new SynchronousQueue<>();
    Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
    for (int i = 0; i < settings.warmup() + settings.iterations(); i++) {
      long start = System.nanoTime();
      client.connectWith().cleanSession(true).send().whenComplete((ack, failure) -> {
        long now = System.nanoTime();
        try {
          connackAt.put(failure == null ? now : -1L);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      Long end = connackAt.poll(10, TimeUnit.SECONDS);
      if (end == null || end < 0) {
        throw new IllegalStateException("no CONNACK within 10 s at iteration " + i);
      }
      if (i >= settings.warmup()) {
        h.recordValue(end - start);
      }
      client.disconnect().get(10, TimeUnit.SECONDS);
    }
    return h;
  }

  /** Null when all were acknowledged and received, else what was missing. */
  private static String burst(Mqtt3AsyncClient from, byte[] payload, int n, AtomicInteger received,
      AtomicInteger expected, AtomicReference<CountDownLatch> all) throws Exception {
    received.set(0);
    all.set(new CountDownLatch(1));
    expected.set(n);
    List<CompletableFuture<Mqtt3Publish>> acks = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      acks.add(from.publishWith().topic("to/c").qos(MqttQos.AT_LEAST_ONCE).payload(payload).send());
    }
    try {
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      long acked = acks.stream().filter(CompletableFuture::isDone).count();
      return "only " + acked + " of " + n + " PUBACKs and " + received.get() + " received within 30 s";
    }
    if (!all.get().await(30, TimeUnit.SECONDS)) {
      return "only " + received.get() + " of " + n + " received within 30 s";
    }
    return null;
  }

  private static void subscribe(Mqtt3AsyncClient client, String topic, java.util.function.Consumer<Mqtt3Publish> onMessage)
      throws Exception {
    client.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).callback(onMessage).send()
        .get(10, TimeUnit.SECONDS);
  }

  private static Mqtt3AsyncClient client(int port, String id) {
    return MqttClient.builder().useMqttVersion3().identifier(id).serverHost("127.0.0.1").serverPort(port).buildAsync();
  }

  private static Mqtt3AsyncClient connected(int port, String id) throws Exception {
    Mqtt3AsyncClient c = client(port, id);
    c.connectWith().cleanSession(true).send().get(10, TimeUnit.SECONDS);
    return c;
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, Network.loopback())) {
      return s.getLocalPort();
    }
  }

  private static void delete(Path dir) throws Exception {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
