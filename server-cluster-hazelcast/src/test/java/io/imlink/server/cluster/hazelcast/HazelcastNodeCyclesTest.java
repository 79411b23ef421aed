package io.imlink.server.cluster.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.server.ImServer;
import io.imlink.server.store.postgres.EmbeddedPostgresFixture;
import io.imlink.tck.Await;
import io.imlink.tck.Network;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node that joins and leaves a running cluster again and again leaves nothing behind: once it
 * has closed, this process has the threads and file descriptors it had before its first start
 * (the cluster's first member stays up throughout, as in a rolling restart; its own pools, which
 * grow and shrink with its work, are counted apart).
 */
@Timeout(300)
class HazelcastNodeCyclesTest {
  private static final String APP = "cycles-app";
  private static final String SECRET = "cycles-app-secret-0123";

  @Test
  void startAndStopCyclesLeaveNoThreadOrDescriptorBehind() throws Exception {
    String url = EmbeddedPostgresFixture.newDatabaseUrl();
    int[] ports = {Network.freePort(), Network.freePort()};
    String members = "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
    String cluster = "imlink-cycles-" + UUID.randomUUID();
    try (ImServer first = node(url, cluster, ports[0], members)) {
      // One cycle first, so that what is made once per process (class loading, the JDBC driver's
      // timers, the embedded database's connections) is there before the baseline.
      node(url, cluster, ports[1], members).close();
      // The first member's own pools grow and shrink with its work: counted apart from the rest.
      String firstMember = "imlink-127.0.0.1-" + ports[0];
      long threadsBefore = threadCount(firstMember);
      java.util.List<String> namesBefore = names();
      long fdsBefore = openDescriptors();
      String cycledMember = "imlink-127.0.0.1-" + ports[1];
      for (int i = 0; i < 5; i++) {
        try (ImServer n = node(url, cluster, ports[1], members)) {
          assertThat(n.listenUris()).hasSize(1);
        }
      }
      Await.until("the cycled member's threads have ended", () -> threadNames().stream()
          .noneMatch(n -> n.contains(cycledMember)), Duration.ofSeconds(30));
      try {
        Await.until("as many threads as before the cycles (" + threadsBefore + ")",
            () -> threadCount(firstMember) <= threadsBefore, Duration.ofSeconds(30));
      } catch (AssertionError e) {
        java.util.List<String> now = names();
        for (String n : namesBefore) {
          now.remove(n);
        }
        throw new AssertionError(e.getMessage() + "; threads that were not there before: " + now, e);
      }
      Await.until("its descriptors are closed", () -> openDescriptors() <= fdsBefore + 2, Duration.ofSeconds(30));
      assertThat(first.listenUris()).as("the first node served throughout").hasSize(1);
    }
  }

  private static ImServer node(String url, String cluster, int port, String members) throws IOException {
    return ImServer.builder().app(APP, SECRET).listen(URI.create("tcp://127.0.0.1:0"))
        .store("postgres").storeProperty("jdbc.url", url).storeProperty("jdbc.user", EmbeddedPostgresFixture.user())
        .storeProperty("pool.size", "2")
        .cluster("hazelcast").clusterProperty("port", String.valueOf(port)).clusterProperty("members", members)
        .clusterProperty("cluster-name", cluster).build().start();
  }

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .collect(Collectors.toSet());
  }

  private static java.util.List<String> names() {
    return new java.util.ArrayList<>(Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .map(t -> t.getName().replaceAll("[0-9]+", "#")).sorted().toList());
  }

  /** Live threads, but for those of the member named {@code except}. */
  private static long threadCount(String except) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
        .filter(t -> !t.getName().contains(except)).count();
  }

  private static long openDescriptors() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
