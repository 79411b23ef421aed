package io.imlink.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.ImEngine;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.TransportProvider;
import io.imlink.core.TestProviders.DiskStorage;
import io.imlink.core.TestProviders.TcpA;
import io.imlink.core.TestProviders.TcpB;
import io.imlink.core.TestProviders.TcpPreferred;
import io.imlink.core.TestProviders.TcpThrowingAvailability;
import io.imlink.core.TestProviders.TcpThrowingConstructor;
import io.imlink.core.TestProviders.TcpUnavailable;
import io.imlink.core.TestProviders.UnavailableSqlite;
import io.imlink.core.TestProviders.Ws;
import io.imlink.core.internal.DefaultImEngine;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery of transports and storage at {@code build()}, through a test class loader. */
class DiscoveryTest {
  private static final URI TCP = URI.create("tcp://127.0.0.1:8100");

  @TempDir Path tmp;

  private ServiceFileClassLoader loader() {
    return new ServiceFileClassLoader(tmp).with(StorageProvider.class, List.of());
  }

  private DefaultImEngine build(ClassLoader loader, URI... servers) {
    return (DefaultImEngine)
        ImEngine.builder("app").servers(List.of(servers)).dataDirectory(tmp).classLoader(loader).build();
  }

  @Test
  void noTransportForTheSchemeNamesTheArtifactToAdd() {
    ClassLoader loader = loader().with(TransportProvider.class);
    assertThatThrownBy(() -> build(loader, TCP))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "no transport for scheme 'tcp': add io.imlink:imlink-transport-tcp to the class path"
                + " (schemes found: none)");
  }

  @Test
  void missingWebSocketTransportIsNamedAmongTheFoundOnes() {
    ClassLoader loader = loader().with(TransportProvider.class, TcpA.class);
    assertThatThrownBy(() -> build(loader, TCP, URI.create("ws://127.0.0.1:8101/im")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "no transport for scheme 'ws': add io.imlink:imlink-transport-websocket to the class path"
                + " (schemes found: tcp)");
  }

  @Test
  void missingTcpsTransportNamesTheTcpArtifact() {
    ClassLoader loader = loader().with(TransportProvider.class, Ws.class);
    assertThatThrownBy(() -> build(loader, URI.create("tcps://127.0.0.1:8443")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "no transport for scheme 'tcps': add io.imlink:imlink-transport-tcp to the class path"
                + " (schemes found: ws, wss)");
  }

  @Test
  void unknownSchemeListsWhatImlinkShips() {
    ClassLoader loader = loader().with(TransportProvider.class, TcpA.class, Ws.class);
    assertThatThrownBy(() -> build(loader, URI.create("quic://127.0.0.1:1")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "no transport for scheme 'quic': imlink ships transports for tcp, tcps, ws, wss, grpc and grpcs"
                + " (schemes found: tcp, ws, wss)");
  }

  @Test
  void oneProviderServesItsSchemes() {
    ClassLoader loader = loader().with(TransportProvider.class, Ws.class);
    try (DefaultImEngine engine = build(loader, URI.create("wss://127.0.0.1:443/im"))) {
      assertThat(engine.transportFor(URI.create("wss://h:1"))).isInstanceOf(Ws.class);
      assertThat(engine.transportFor(URI.create("ws://h:1"))).isInstanceOf(Ws.class);
    }
  }

  @Test
  void higherPriorityWins() {
    ClassLoader loader = loader().with(TransportProvider.class, TcpA.class, TcpPreferred.class);
    try (DefaultImEngine engine = build(loader, TCP)) {
      assertThat(engine.transportFor(TCP)).isInstanceOf(TcpPreferred.class);
    }
  }

  @Test
  void equalPrioritiesAreOrderedByClassName() {
    ClassLoader loader = loader().with(TransportProvider.class, TcpB.class, TcpA.class);
    try (DefaultImEngine engine = build(loader, TCP)) {
      assertThat(engine.transportFor(TCP)).isInstanceOf(TcpA.class);
    }
  }

  @Test
  void unavailableThrowingAndMissingProvidersAreSkipped() {
    ClassLoader loader =
        loader()
            .with(
                TransportProvider.class,
                List.of(
                    TcpUnavailable.class.getName(),
                    TcpThrowingConstructor.class.getName(),
                    "io.imlink.core.NoSuchTransport",
                    TcpThrowingAvailability.class.getName(),
                    TcpB.class.getName()));
    try (DefaultImEngine engine = build(loader, TCP)) {
      assertThat(engine.transportFor(TCP)).isInstanceOf(TcpB.class);
    }
  }

  @Test
  void withNoStorageModuleTheInMemoryStoreIsUsed() {
    ClassLoader loader = loader().with(TransportProvider.class, TcpA.class);
    try (DefaultImEngine engine = build(loader, TCP)) {
      assertThat(engine.storageName()).isEqualTo("memory");
    }
  }

  @Test
  void aStorageModuleIsPreferredOverMemoryAndMemoryStaysSelectable() {
    ClassLoader loader =
        new ServiceFileClassLoader(tmp)
            .with(StorageProvider.class, DiskStorage.class)
            .with(TransportProvider.class, TcpA.class);
    try (DefaultImEngine engine = build(loader, TCP)) {
      assertThat(engine.storageName()).isEqualTo("disk");
    }
    try (DefaultImEngine engine =
        (DefaultImEngine)
            ImEngine.builder("app").server(TCP).storage("memory").classLoader(loader).dataDirectory(tmp).build()) {
      assertThat(engine.storageName()).isEqualTo("memory");
    }
  }

  @Test
  void unknownStorageNameListsTheOnesFound() {
    ClassLoader loader =
        new ServiceFileClassLoader(tmp)
            .with(StorageProvider.class, DiskStorage.class)
            .with(TransportProvider.class, TcpA.class);
    assertThatThrownBy(
            () -> ImEngine.builder("app").server(TCP).storage("sqlite").classLoader(loader).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "unknown storage 'sqlite'; storage providers found: disk, memory"
                + " (add io.imlink:imlink-storage-sqlite for \"sqlite\")");
  }

  @Test
  void anUnknownStorageNameWithoutSqliteSuggestsItsArtifact() {
    ClassLoader loader = loader().with(TransportProvider.class, TcpA.class);
    assertThatThrownBy(
            () -> ImEngine.builder("app").server(TCP).storage("no-such-store").classLoader(loader).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "unknown storage 'no-such-store'; storage providers found: memory"
                + " (add io.imlink:imlink-storage-sqlite for \"sqlite\")");
  }

  @Test
  void anUnavailableSqliteProviderIsSaidToBePresentNotMissing() {
    ClassLoader loader =
        new ServiceFileClassLoader(tmp)
            .with(StorageProvider.class, UnavailableSqlite.class)
            .with(TransportProvider.class, TcpA.class);
    assertThatThrownBy(
            () -> ImEngine.builder("app").server(TCP).storage("no-such-store").classLoader(loader).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "unknown storage 'no-such-store'; storage providers found: memory"
                + " (on the class path but not available here: sqlite)");
  }
}
