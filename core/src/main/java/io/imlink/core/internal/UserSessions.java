package io.imlink.core.internal;

import io.imlink.api.EngineConfig;
import io.imlink.api.ErrorCode;
import io.imlink.api.spi.MessageStore;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.StoreLocation;
import io.imlink.core.storage.MemoryStorageProvider;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens and closes the user's store, and holds the {@link UserSession} of the store that is open.
 * A store that cannot be opened is replaced by an in-memory one for that session, and reported as
 * {@code 33002} through {@code onDatabaseOpened}. Parts that keep per-user state ({@link Messenger})
 * register to be told when a session opens and before it closes.
 *
 * <p>Thread: the engine's loop (asserted), except registration, which happens while the engine is
 * built.
 */
@Singleton
final class UserSessions {
  private static final Logger log = LoggerFactory.getLogger(UserSessions.class);

  /** Told of sessions opening and closing, on the loop. */
  interface Listener {
    void opened(UserSession session);

    /** Before the store closes: write what is gathered, fail what waits. */
    void closing(UserSession session);
  }

  private final EngineConfig config;
  private final StorageProvider storage;
  private final EngineLoop loop;
  private final Admission admission;
  private final List<Listener> listeners = new ArrayList<>();
  private UserSession current;

  @Inject
  UserSessions(EngineConfig config, StorageProvider storage, EngineLoop loop, Admission admission) {
    this.config = config;
    this.storage = storage;
    this.loop = loop;
    this.admission = admission;
  }

  void addListener(Listener l) {
    listeners.add(l);
  }

  /** The open session, or null. */
  UserSession current() {
    loop.check();
    return current;
  }

  /** The name of the storage backend stores are opened with. */
  String storageName() {
    return storage.name();
  }

  /**
   * Opens {@code userId}'s store (keeping it if it is open already) and returns the code {@code
   * onDatabaseOpened} reports: 0, or 33002 when the in-memory fallback is used.
   */
  int open(String userId) {
    loop.check();
    if (current != null && current.userId.equals(userId)) {
      return 0;
    }
    close();
    StoreLocation location = new StoreLocation(config.appKey(), userId, config.dataDirectory());
    MessageStore store;
    int code;
    try {
      store = storage.open(location, loop.executor()); // writes run on the loop: no thread switch
      code = 0;
    } catch (IOException | RuntimeException e) {
      log.error("cannot open the '{}' store of user {}; using an in-memory store for this session",
          storage.name(), userId, e);
      store = new MemoryStorageProvider().open(location);
      code = ErrorCode.DATABASE_ERROR.code();
    }
    current = new UserSession(store, userId);
    for (Listener l : listeners) {
      l.opened(current);
    }
    return code;
  }

  /** Closes the open store, if any; its messages stay in it for the user's next session. */
  void close() {
    loop.check();
    UserSession s = current;
    if (s == null) {
      return;
    }
    admission.storeClosing(s.store); // no new read starts on a store being closed
    for (Listener l : listeners) {
      l.closing(s);
    }
    s.markClosed();
    current = null;
    try {
      s.store.close();
    } catch (IOException | RuntimeException e) {
      log.warn("closing the store failed", e);
    }
  }
}
