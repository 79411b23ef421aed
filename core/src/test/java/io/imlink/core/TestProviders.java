package io.imlink.core;

import io.imlink.api.spi.AcceptHandler;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.StoreLocation;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.TransportProvider;
import io.imlink.core.storage.MemoryStorageProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

/**
 * Providers for discovery tests. The transports here are never asked to connect: discovery and
 * wiring are what is under test, and connecting over real transports is covered by the transport
 * modules and the contract suites.
 */
public final class TestProviders {
  private TestProviders() {}

  /** Where the offline test transports "connect". */
  static final URI TCP = URI.create("tcp://127.0.0.1:8100");

  /**
   * A builder for app "app" storing under {@code tmp}, whose discovery finds exactly {@code
   * transport} (serving {@code server}) and the given storage providers (none: the memory store).
   */
  static io.imlink.api.ImEngine.Builder builder(Path tmp, Class<? extends TransportProvider> transport, URI server,
      Class<?>... storage) {
    ClassLoader loader = new ServiceFileClassLoader(tmp)
        .with(StorageProvider.class, storage)
        .with(TransportProvider.class, transport);
    return io.imlink.api.ImEngine.builder("app").server(server).dataDirectory(tmp).classLoader(loader);
  }

  /** Base of the test transports: reports what it is and refuses to carry traffic. */
  public abstract static class NamedTransport implements TransportProvider {
    private final Set<String> schemes;
    private final int priority;

    NamedTransport(int priority, String... schemes) {
      this.priority = priority;
      this.schemes = Set.of(schemes);
    }

    @Override
    public String name() {
      return getClass().getSimpleName();
    }

    @Override
    public Set<String> schemes() {
      return schemes;
    }

    @Override
    public int priority() {
      return priority;
    }

    @Override
    public Connector newConnector(TransportOptions options) {
      throw new IllegalStateException(name() + " is a discovery-test provider and opens no connection");
    }

    @Override
    public Acceptor bind(URI address, TransportOptions options, AcceptHandler handler) throws IOException {
      throw new IOException(name() + " is a discovery-test provider and binds nothing");
    }
  }

  /** tcp at the default priority. */
  public static final class TcpA extends NamedTransport {
    public TcpA() {
      super(5, "tcp");
    }
  }

  /** tcp at the default priority; loses the tie to {@link TcpA} by class name. */
  public static final class TcpB extends NamedTransport {
    public TcpB() {
      super(5, "tcp");
    }
  }

  /** tcp at a higher priority. */
  public static final class TcpPreferred extends NamedTransport {
    public TcpPreferred() {
      super(10, "tcp");
    }
  }

  /** The best tcp provider on paper, but unavailable. */
  public static final class TcpUnavailable extends NamedTransport {
    public TcpUnavailable() {
      super(100, "tcp");
    }

    @Override
    public boolean isAvailable() {
      return false;
    }
  }

  /** Throws from its constructor, as a provider whose library is missing would. */
  public static final class TcpThrowingConstructor extends NamedTransport {
    public TcpThrowingConstructor() {
      super(100, "tcp");
      throw new IllegalStateException("boom: cannot construct");
    }
  }

  /** Throws from its availability check. */
  public static final class TcpThrowingAvailability extends NamedTransport {
    public TcpThrowingAvailability() {
      super(100, "tcp");
    }

    @Override
    public boolean isAvailable() {
      throw new IllegalStateException("boom: cannot check");
    }
  }

  /** ws and wss. */
  public static final class Ws extends NamedTransport {
    public Ws() {
      super(5, "ws", "wss");
    }
  }

  /** A storage backend whose stores never open, as with a corrupt or unwritable database. */
  public static final class BrokenStorage implements StorageProvider {
    @Override
    public String name() {
      return "broken";
    }

    @Override
    public MessageStore open(StoreLocation location) throws IOException {
      throw new IOException("database disk image is malformed");
    }
  }

  /** A storage backend named "sqlite" that is not available, as the real one without its JDBC driver. */
  public static final class UnavailableSqlite implements StorageProvider {
    @Override
    public String name() {
      return "sqlite";
    }

    @Override
    public boolean isAvailable() {
      return false;
    }

    @Override
    public MessageStore open(StoreLocation location) throws IOException {
      throw new IOException("not available");
    }
  }

  /** A storage backend named "disk" that delegates to an in-memory store. */
  public static final class DiskStorage implements StorageProvider {
    private final MemoryStorageProvider memory = new MemoryStorageProvider();

    @Override
    public String name() {
      return "disk";
    }

    @Override
    public MessageStore open(StoreLocation location) {
      return memory.open(location);
    }
  }
}
