package io.imlink.core.internal;

import io.imlink.api.spi.Connector;
import io.imlink.api.spi.ServiceProviders;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.TransportProvider;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client connectors of one engine, one per scheme, created on first use and closed with the
 * engine.
 *
 * <p>Thread safety: all methods are synchronized; {@link #connector} is cheap after the first call.
 */
public final class Transports implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Transports.class);

  private final Map<String, TransportProvider> byScheme;
  private final TransportOptions options;
  private final Map<String, Connector> connectors = new HashMap<>();
  private boolean closed;

  Transports(Map<String, TransportProvider> byScheme, TransportOptions options) {
    this.byScheme = Map.copyOf(byScheme);
    this.options = options;
  }

  /** The provider serving {@code uri}'s scheme; checked at build, so always present. */
  public TransportProvider provider(URI uri) {
    TransportProvider p = byScheme.get(uri.getScheme());
    if (p == null) {
      throw new IllegalStateException(ServiceProviders.noTransportFor(uri.getScheme(), byScheme.keySet()));
    }
    return p;
  }

  /** The connector for {@code uri}'s scheme, created on first use. */
  public synchronized Connector connector(URI uri) {
    if (closed) {
      throw new IllegalStateException("engine is closed");
    }
    return connectors.computeIfAbsent(uri.getScheme(), s -> provider(uri).newConnector(options));
  }

  /** Closes every connector created (and with them every channel and I/O thread). */
  @Override
  public void close() {
    Map<String, Connector> toClose;
    synchronized (this) {
      closed = true;
      toClose = new HashMap<>(connectors);
      connectors.clear();
    }
    toClose.forEach(
        (scheme, c) -> {
          try {
            c.close();
          } catch (RuntimeException e) {
            log.warn("closing the {} connector failed", scheme, e);
          }
        });
  }
}
