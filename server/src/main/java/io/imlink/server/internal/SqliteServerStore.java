package io.imlink.server.internal;

import io.imlink.server.spi.InboxStore;
import io.imlink.server.spi.NonceStore;
import io.imlink.server.spi.ServerStateStore;
import io.imlink.server.spi.ServerStore;
import io.imlink.server.spi.ServerStoreConfig;
import io.imlink.server.spi.ServerStoreProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The embedded default store, {@code sqlite}, for one server node: users, revocations and blocks in
 * {@code <dataDirectory>/server.db} ({@link ServerState}), messages and inboxes in {@code
 * messages.db} ({@link Inbox}), nonces in memory ({@link NonceCache}). Without a data directory the
 * state lives in memory and the messages in a temporary file deleted on close. It reads no
 * properties.
 *
 * <p>Thread safety: {@link #open} from any thread; the store's parts as each says.
 */
public final class SqliteServerStore implements ServerStoreProvider {
  /** Its name: the server's default store. */
  public static final String NAME = "sqlite";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public ServerStore open(ServerStoreConfig config) throws IOException {
    Optional<Path> dir = config.dataDirectory();
    ServerState state = dir.isPresent() ? ServerState.open(dir.get()) : ServerState.inMemory();
    Inbox inbox;
    try {
      inbox = dir.isPresent() ? Inbox.open(dir.get(), config.random()) : Inbox.temporary(config.random());
    } catch (IOException | RuntimeException e) {
      state.close();
      throw e;
    }
    NonceCache nonces = new NonceCache();
    return new ServerStore() {
      @Override
      public InboxStore inbox() {
        return inbox;
      }

      @Override
      public ServerStateStore state() {
        return state;
      }

      @Override
      public NonceStore nonces() {
        return nonces;
      }

      @Override
      public void close() {
        try {
          inbox.close();
        } finally {
          state.close();
        }
      }

      @Override
      public String toString() {
        return "sqlite" + dir.map(d -> " in " + d).orElse(" (in memory and a temporary file)");
      }
    };
  }
}
