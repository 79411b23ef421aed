package io.imlink.benchmarks;

import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.TransportOptions;
import io.imlink.protocol.Frames;
import io.imlink.protocol.TokenClaims;
import io.imlink.protocol.Tokens;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Frame;
import io.imlink.server.ImServer;
import io.imlink.transport.tcp.TcpTransportProvider;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Memory per idle authenticated session on one server node: {@code n} TCP connections, each a
 * user of its own that sent a ConnectRequest and got its ConnectAck, then nothing. The heap in use
 * after a full collection, before and with the sessions, both sides in this process (the client
 * connections are raw frame channels, a few hundred bytes each, counted in): an upper bound of the
 * server's cost per session. Threads are counted too: they must not grow with sessions.
 */
public final class IdleSessionsBenchmark {
  private IdleSessionsBenchmark() {}

  /** The figures. */
  public record Result(int sessions, double bytesPerSession, int threadsBefore, int threadsWith) {}

  private static final String KEY = "bench-app";
  private static final String SECRET = "bench-app-secret";

  public static Result run(int n, PrintStream out) throws Exception {
    // Every session comes from 127.0.0.1 here: the per-address caps are raised to let them all in.
    try (ImServer server = ImServer.builder().app(KEY, SECRET).listen(URI.create("tcp://127.0.0.1:0"))
            .maxConnections(n + 1_000).maxConnectionsPerAddress(n + 1_000).connectRateLimit(1e6, n + 1_000)
            .build().start();
        Connector connector = new TcpTransportProvider().newConnector(TransportOptions.defaults())) {
      URI uri = server.listenUris().get(0);
      open(connector, uri, 100, "warm"); // the code paths and pools exist before the first reading
      long before = usedAfterGc();
      int threadsBefore = Thread.activeCount();
      List<FrameChannel> held = open(connector, uri, n, "idle");
      long with = usedAfterGc();
      int threadsWith = Thread.activeCount();
      Result r = new Result(n, (double) (with - before) / n, threadsBefore, threadsWith);
      out.printf(Locale.ROOT, "idle sessions: %d authenticated TCP sessions on one node: %.0f bytes each (heap after GC,"
          + " client side included); threads %d before, %d with them%n", n, r.bytesPerSession(), threadsBefore, threadsWith);
      for (FrameChannel c : held) {
        c.close();
      }
      return r;
    }
  }

  private static List<FrameChannel> open(Connector connector, URI uri, int n, String prefix) throws Exception {
    CountDownLatch acked = new CountDownLatch(n);
    List<FrameChannel> channels = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      FrameChannel ch = connector.connect(uri, new FrameHandler() {
        @Override
        public void onFrame(FrameChannel channel, byte[] frame) {
          acked.countDown(); // the ConnectAck; nothing else comes to an idle session
        }

        @Override
        public void onClosed(FrameChannel channel, Throwable cause) {}
      }).get(30, TimeUnit.SECONDS);
      String user = prefix + "-" + i;
      ch.send(Frames.encode(Frame.newBuilder().setConnectRequest(ConnectRequest.newBuilder()
          .setProtocolVersion(Frames.PROTOCOL_VERSION).setAppKey(KEY).setDeviceId("device-" + user)
          .setToken(Tokens.sign(new TokenClaims(KEY, user, Instant.now(), null), SECRET))
          .setSdkVersion("bench/1")).build()));
      channels.add(ch);
    }
    if (!acked.await(120, TimeUnit.SECONDS)) {
      throw new IllegalStateException(acked.getCount() + " of " + n + " sessions got no ConnectAck");
    }
    return channels;
  }

  private static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200); // let the collector and finalizers settle between the collections
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
