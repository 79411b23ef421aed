package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.UnixOperatingSystemMXBean;
import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.ReconnectPolicy;
import io.imlink.server.ImServer;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Resource and load behaviour, run by every transport with real time: a thousand drop/reconnect
 * cycles leak no thread and no socket; closing an engine releases every thread, socket and file;
 * five hundred clients all come back after a server restart without the server refusing any.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
public abstract class StressContract extends EngineFixture {

  /**
   * Open file descriptors of this process — sockets, selectors, pipes, files — except the jars the
   * class loader opens (and keeps) on first use; -1 where the system cannot tell.
   */
  protected static long openFileDescriptors() {
    try {
      return fds().size();
    } catch (java.io.IOException | RuntimeException noProcFs) {
      OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
      return os instanceof UnixOperatingSystemMXBean unix ? unix.getOpenFileDescriptorCount() : -1;
    }
  }

  private static java.util.Set<String> fds() throws java.io.IOException {
    java.util.Set<String> out = new java.util.TreeSet<>();
    try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
      for (var p : s.toList()) {
        try {
          String target = java.nio.file.Files.readSymbolicLink(p).toString();
          if (!target.endsWith(".jar")) {
            out.add(p.getFileName() + "->" + target);
          }
        } catch (java.io.IOException gone) {
          // closed meanwhile
        }
      }
    }
    return out;
  }

  /** Waits (bounded) until the live thread count comes down to at most {@code limit}. */
  private static int settleThreads(int limit) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int n;
    while ((n = Thread.activeCount()) > limit && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return n;
  }

  private static java.util.Set<String> threadNames() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      names.add(t.getName());
    }
    return names;
  }

  /** The live threads not among {@code before}, by name: what a failed leak check points at. */
  private static java.util.Set<String> newThreads(java.util.Set<String> before) {
    java.util.Set<String> now = threadNames();
    now.removeAll(before);
    return now;
  }

  @Test
  void aThousandDropsAndReconnectsLeakNoThreadAndNoSocket() throws Exception {
    startServer();
    ImEngine engine = build(engine(serverUri()).reconnectPolicy(ReconnectPolicy.fixed(Duration.ZERO)));
    EngineProbe probe = EngineProbe.attach(engine);
    engine.connect(api.getToken("cycler"), 0);
    probe.awaitStatus(ConnectionStatus.CONNECTED);
    // Warm up: the first cycles start the transport's threads and fill the JIT.
    for (int i = 0; i < 20; i++) {
      int mark = probe.size();
      server.dropConnections(APP_KEY, "cycler");
      probe.awaitStatus(ConnectionStatus.CONNECTED, mark);
    }
    int threadsBefore = settleThreads(Integer.MAX_VALUE);
    java.util.Set<String> namesBefore = threadNames();
    long fdsBefore = openFileDescriptors();

    for (int i = 0; i < 1000; i++) {
      int mark = probe.size();
      assertThat(server.dropConnections(APP_KEY, "cycler")).as("cycle %d", i).isEqualTo(1);
      probe.awaitStatus(ConnectionStatus.CONNECTED, mark);
      Await.until("the server registered the new session", () -> server.sessionCount() == 1);
    }
    assertThat(probe.connectedEvents()).hasSize(1);
    assertThat(settleThreads(threadsBefore + 2))
        .as("live threads after 1000 cycles; new since the warm-up: %s", newThreads(namesBefore))
        .isLessThanOrEqualTo(threadsBefore + 2);
    if (fdsBefore >= 0) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (openFileDescriptors() > fdsBefore + 4 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(openFileDescriptors()).as("open descriptors after 1000 cycles").isLessThanOrEqualTo(fdsBefore + 4);
    }
  }

  @Test
  void closingEnginesReleasesEveryThreadSocketAndFile() throws Exception {
    startServer();
    List<String> tokens = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      tokens.add(api.getToken("closer-" + i));
    }
    // A first round loads the classes and lets the server start every thread it lazily starts for
    // ten clients (its pools), so that what remains after the measured round is the engines'.
    List<ImEngine> warm = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      ImEngine e = engine(serverUri()).build();
      EngineProbe p = EngineProbe.attach(e);
      e.connect(api.getToken("warm-" + i), 0);
      p.awaitStatus(ConnectionStatus.CONNECTED);
      warm.add(e);
    }
    for (ImEngine e : warm) {
      e.close();
    }
    Await.until("the server saw the warm-up sessions end", () -> server.sessionCount() == 0);

    int threadsBefore = settleThreads(Integer.MAX_VALUE);
    long fdsBefore = openFileDescriptors();
    java.util.Set<String> fdList = fds();
    List<ImEngine> engines = new ArrayList<>();
    for (String token : tokens) {
      ImEngine e = engine(serverUri()).build();
      EngineProbe p = EngineProbe.attach(e);
      e.connect(token, 0);
      p.awaitStatus(ConnectionStatus.CONNECTED);
      engines.add(e);
    }
    assertThat(Thread.activeCount()).isGreaterThan(threadsBefore);
    if (fdsBefore >= 0) {
      assertThat(openFileDescriptors()).as("ten connections and their stores are open").isGreaterThan(fdsBefore + 9);
    }
    for (ImEngine e : engines) {
      e.close();
    }
    Await.until("the server saw every session end", () -> server.sessionCount() == 0);
    assertThat(settleThreads(threadsBefore)).as("live threads after close").isLessThanOrEqualTo(threadsBefore);
    if (fdsBefore >= 0) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (openFileDescriptors() > fdsBefore && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      java.util.Set<String> after = fds();
      after.removeAll(fdList);
      assertThat(openFileDescriptors()).as("open descriptors after close; new: %s", after).isLessThanOrEqualTo(fdsBefore);
    }
  }

  @Test
  void fiveHundredClientsAllComeBackAfterAServerRestartWithoutBeingRefused() throws Exception {
    int clients = 500;
    startServer();
    URI listen = serverUri();
    ScheduledExecutorService timers = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "storm-timers");
      t.setDaemon(true);
      return t;
    });
    ExecutorService callbacks = Executors.newFixedThreadPool(2);
    try {
      AtomicInteger connected = new AtomicInteger();
      List<ImEngine> engines = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        ImEngine e = build(engine(listen).scheduler(timers).callbackExecutor(callbacks).storage("memory"));
        e.addConnectionStatusListener((s, r) -> {
          if (s == ConnectionStatus.CONNECTED) {
            connected.incrementAndGet();
          }
        });
        e.connect(api.getToken("storm-" + i), 0);
        engines.add(e);
      }
      Await.until("all " + clients + " connected", () -> connected.get() == clients, Duration.ofSeconds(120));

      server.close(); // every client is told 31003 and reconnects on the standard schedule
      ImServer again = closeLater(serverBuilder().app(APP_KEY, APP_SECRET).listen(listen).build().start());
      long back = System.nanoTime();
      Await.until("all " + clients + " back", () -> again.sessionCount() == clients
          && engines.stream().allMatch(e -> e.getConnectionStatus() == ConnectionStatus.CONNECTED), Duration.ofSeconds(120));
      Duration took = Duration.ofNanos(System.nanoTime() - back);
      assertThat(again.sessionCount()).isEqualTo(clients);
      assertThat(again.stats().connectsThrottled()).as("nothing refused for frequency").isZero();
      assertThat(again.stats().connectsRefused()).as("nothing refused at all").isZero();
      for (ImEngine e : engines) {
        assertThat(e.getConnectionStatus()).isEqualTo(ConnectionStatus.CONNECTED);
      }
      System.out.printf("%s: %d clients back %d ms after the restart%n", listenUri().getScheme(), clients, took.toMillis());
    } finally {
      closeEverythingNow();
      timers.shutdownNow();
      callbacks.shutdownNow();
    }
  }
}
