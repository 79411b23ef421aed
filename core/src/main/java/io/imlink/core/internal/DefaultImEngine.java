package io.imlink.core.internal;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ConnectionStatusListener;
import io.imlink.api.EngineConfig;
import io.imlink.api.ErrorCode;
import io.imlink.api.ImEngine;
import io.imlink.api.OnConnectedListener;
import io.imlink.api.OnDatabaseOpenedListener;
import io.imlink.api.spi.StorageProvider;
import jakarta.inject.Inject;
import java.util.concurrent.CopyOnWriteArraySet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine. All state changes happen on the engine's loop ({@link EngineThreads#loop()}); public
 * methods only check arguments, flip the accepted/closed flags under a lock and hand work to the
 * loop. Callbacks go to the serialised callback executor.
 */
public final class DefaultImEngine implements ImEngine {
  private static final Logger log = LoggerFactory.getLogger(DefaultImEngine.class);

  private final EngineConfig config;
  private final EngineThreads threads;
  private final Transports transports;
  private final StorageProvider storage;

  private final CopyOnWriteArraySet<ConnectionStatusListener> statusListeners =
      new CopyOnWriteArraySet<>();
  private volatile OnDatabaseOpenedListener onDatabaseOpened;
  private volatile OnConnectedListener onConnected;
  private volatile ConnectionStatus status = ConnectionStatus.UNCONNECTED;

  private final Object lock = new Object();
  private boolean closed; // guarded by lock
  private boolean active; // a connect was accepted and has not ended; guarded by lock

  @Inject
  DefaultImEngine(
      EngineConfig config, EngineThreads threads, Transports transports, StorageProvider storage) {
    this.config = config;
    this.threads = threads;
    this.transports = transports;
    this.storage = storage;
    log.debug("engine built: {} with storage '{}'", config, storage.name());
  }

  @Override
  public int connect(String token, int timeout) {
    if (token == null || token.isBlank()) {
      return ErrorCode.INVALID_PARAMETER.code();
    }
    synchronized (lock) {
      if (closed) {
        return ErrorCode.CLIENT_NOT_INIT.code();
      }
      if (active) {
        return ErrorCode.CONNECTION_EXIST.code();
      }
      active = true;
    }
    threads.loop().execute(() -> setStatus(ConnectionStatus.CONNECTING, 0));
    return 0;
  }

  @Override
  public int disconnect() {
    synchronized (lock) {
      if (closed) {
        return ErrorCode.CLIENT_NOT_INIT.code();
      }
      active = false;
    }
    threads.loop().execute(() -> setStatus(ConnectionStatus.SIGN_OUT, 0));
    return 0;
  }

  @Override
  public ConnectionStatus getConnectionStatus() {
    return status;
  }

  @Override
  public void setOnDatabaseOpened(OnDatabaseOpenedListener listener) {
    this.onDatabaseOpened = listener;
  }

  @Override
  public void setOnConnected(OnConnectedListener listener) {
    this.onConnected = listener;
  }

  @Override
  public void addConnectionStatusListener(ConnectionStatusListener listener) {
    if (listener != null) {
      statusListeners.add(listener);
    }
  }

  @Override
  public void removeConnectionStatusListener(ConnectionStatusListener listener) {
    statusListeners.remove(listener);
  }

  /** The transport serving {@code server}'s scheme (for diagnostics and tests). */
  public io.imlink.api.spi.TransportProvider transportFor(java.net.URI server) {
    return transports.provider(server);
  }

  /** The name of the storage backend this engine opens stores with. */
  public String storageName() {
    return storage.name();
  }

  /** Runs on the loop. */
  private void setStatus(ConnectionStatus next, int reason) {
    if (status == next) {
      return;
    }
    status = next;
    log.debug("status {} (reason {})", next, ErrorCode.describe(reason));
    threads
        .callbacks()
        .execute(
            () -> {
              for (ConnectionStatusListener l : statusListeners) {
                try {
                  l.onConnectionStatusChanged(next, reason);
                } catch (RuntimeException e) {
                  log.error("a connection status listener threw; ignored", e);
                }
              }
            });
  }

  @Override
  public void close() {
    boolean wasActive;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      wasActive = active;
      active = false;
    }
    if (wasActive) {
      threads.loop().execute(() -> setStatus(ConnectionStatus.SIGN_OUT, 0));
    }
    // Let the loop finish what it queued, then the callbacks, then stop the threads.
    threads.loop().execute(transports::close);
    threads.shutdown();
  }
}
