package io.imlink.benchmarks;

import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.TransportOptions;
import io.imlink.tck.TestTls;
import io.imlink.transport.tcp.TcpTransportProvider;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code tcps} on the JDK's TLS and on OpenSSL (BoringSSL, netty-tcnative), at the transport level
 * on loopback, both sides in this process: full handshakes (connect until the handshake has
 * succeeded, then close; a new connector each time, so no session is resumed) and echo throughput
 * of 1 KiB frames over one connection, 64 in flight. The server's identity is a {@code ServerTls}
 * and the client's trust a {@code ClientTls}, as the engine and the reference server give them;
 * {@code tcp.tls} picks the implementation. Plain {@code tcp} is printed beside them.
 */
public final class TlsBenchmark {
  private TlsBenchmark() {}

  /** One implementation's figures. */
  public record Result(String implementation, double handshakeP50us, double handshakeP99us, double echoMiBps) {}

  public static List<Result> run(Harness.Settings settings, PrintStream out) throws Exception {
    Path dir = Files.createTempDirectory("imlink-bench-tls");
    TestTls tls = TestTls.create(dir);
    int handshakes = Math.max(50, settings.iterations() / 20);
    int frames = Math.max(10_000, settings.iterations() * 5);
    List<Result> results = new ArrayList<>();
    for (String impl : List.of("tcp (no TLS)", "jdk", "openssl")) {
      results.add(measure(impl, tls, Math.max(10, settings.warmup() / 20), handshakes, frames));
    }
    out.printf(Locale.ROOT, "tcps: handshakes (%d, connect until the TLS handshake succeeded) and echo of %d 1 KiB frames,"
        + " 64 in flight, on loopback%n", handshakes, frames);
    out.printf(Locale.ROOT, "  %-14s %14s %14s %12s%n", "TLS", "connect p50 us", "connect p99 us", "echo MiB/s");
    for (Result r : results) {
      out.printf(Locale.ROOT, "  %-14s %14.1f %14.1f %12.1f%n", r.implementation(), r.handshakeP50us(), r.handshakeP99us(), r.echoMiBps());
    }
    return results;
  }

  private static Result measure(String impl, TestTls tls, int warmup, int handshakes, int frames) throws Exception {
    boolean secure = !impl.startsWith("tcp ");
    TcpTransportProvider provider = new TcpTransportProvider();
    TransportOptions.Builder server = TransportOptions.builder().maxFrameSize(64 * 1024);
    TransportOptions.Builder client = TransportOptions.builder().maxFrameSize(64 * 1024);
    if (secure) {
      server.tls(tls.serverTls()).property("tcp.tls", impl);
      client.tls(tls.clientTls()).property("tcp.tls", impl);
    }
    URI listen = URI.create((secure ? "tcps" : "tcp") + "://127.0.0.1:0");
    try (Acceptor acceptor = provider.bind(listen, server.build(), ch -> new Echo())) {
      URI target = URI.create(acceptor.uri().toString().replace("127.0.0.1", "localhost"));
      Histogram connects = new Histogram(3);
      for (int i = 0; i < warmup + handshakes; i++) {
        try (Connector connector = provider.newConnector(client.build())) {
          long start = System.nanoTime();
          FrameChannel ch = connector.connect(target, new Sink(null)).get(10, TimeUnit.SECONDS);
          long took = System.nanoTime() - start;
          ch.close();
          if (i >= warmup) {
            connects.recordValue(took / 1000);
          }
        }
      }
      byte[] frame = new byte[1024];
      Semaphore window = new Semaphore(64);
      CountDownLatch done = new CountDownLatch(frames);
      try (Connector connector = provider.newConnector(client.build())) {
        FrameChannel ch = connector.connect(target, new Sink(() -> {
          window.release();
          done.countDown();
        })).get(10, TimeUnit.SECONDS);
        long start = System.nanoTime();
        for (int i = 0; i < frames; i++) {
          window.acquire();
          ch.send(frame);
        }
        if (!done.await(120, TimeUnit.SECONDS)) {
          throw new IllegalStateException(impl + ": echoes did not all come back");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ch.close();
        return new Result(impl, connects.getValueAtPercentile(50), connects.getValueAtPercentile(99),
            2.0 * frames * frame.length / (1024.0 * 1024.0) / seconds);
      }
    }
  }

  private static final class Echo implements FrameHandler {
    @Override
    public void onFrame(FrameChannel channel, byte[] frame) {
      channel.send(frame);
    }

    @Override
    public void onClosed(FrameChannel channel, Throwable cause) {}
  }

  private static final class Sink implements FrameHandler {
    private final Runnable onFrame;

    Sink(Runnable onFrame) {
      this.onFrame = onFrame;
    }

    @Override
    public void onFrame(FrameChannel channel, byte[] frame) {
      if (onFrame != null) {
        onFrame.run();
      }
    }

    @Override
    public void onClosed(FrameChannel channel, Throwable cause) {}
  }
}
