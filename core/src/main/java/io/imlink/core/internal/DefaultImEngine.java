package io.imlink.core.internal;

import io.imlink.api.ConnectionEventListener;
import io.imlink.api.ConnectionStatus;
import io.imlink.api.ConnectionStatusListener;
import io.imlink.api.Conversation;
import io.imlink.api.ConversationType;
import io.imlink.api.ErrorCode;
import io.imlink.api.ImEngine;
import io.imlink.api.Limits;
import io.imlink.api.Message;
import io.imlink.api.MessageListener;
import io.imlink.api.MessageSendException;
import io.imlink.api.OnConnectedListener;
import io.imlink.api.OnDatabaseOpenedListener;
import io.imlink.api.SendMessageCallback;
import io.imlink.api.spi.TransportProvider;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's public face: it checks arguments, asks {@link Admission} whether the call may go
 * ahead now, and hands the work to the loop, where {@link Connection} (the connection work, through
 * the {@link ConnectionMachine}), {@link Messenger} (messaging) and {@link UserSessions} (the user's
 * store) do it. Reads go straight to the open store. Listeners are kept and called by {@link
 * Listeners}. Every part is made by the engine's own Guice injector ({@link EngineModule}).
 *
 * <p>Thread safety: every public method may be called from any thread, including from a callback.
 */
@Singleton
public final class DefaultImEngine implements ImEngine {
  private static final Logger log = LoggerFactory.getLogger(DefaultImEngine.class);

  private final EngineThreads threads;
  private final EngineLoop loop;
  private final Transports transports;
  private final Admission admission;
  private final Listeners listeners;
  private final ConnectionMachine machine;
  private final Connection connection;
  private final Messenger messenger;
  private final UserSessions users;

  @Inject
  DefaultImEngine(EngineThreads threads, EngineLoop loop, Transports transports, Admission admission,
      Listeners listeners, ConnectionMachine machine, Connection connection, Messenger messenger,
      UserSessions users) {
    this.threads = threads;
    this.loop = loop;
    this.transports = transports;
    this.admission = admission;
    this.listeners = listeners;
    this.machine = machine;
    this.connection = connection;
    this.messenger = messenger;
    this.users = users;
    log.debug("engine built with storage '{}'", users.storageName());
  }

  // ---- connection ---------------------------------------------------------------------------------

  @Override
  public int connect(String token, int timeout) {
    if (token == null || token.isBlank()) {
      return ErrorCode.INVALID_PARAMETER.code();
    }
    long gen = admission.acceptConnect();
    if (gen < 0) {
      return (int) -gen;
    }
    Duration limit = timeout > 0 ? Duration.ofSeconds(timeout) : null;
    String t = token.strip();
    loop.post(() -> connection.begin(gen, t, limit));
    return 0;
  }

  @Override
  public int disconnect() {
    int code = admission.acceptDisconnect();
    if (code == 0) {
      loop.post(() -> connection.signOut(true));
    }
    return code;
  }

  @Override
  public void reconnectNow() {
    if (!admission.isClosed()) {
      loop.post(connection::reconnectNow);
    }
  }

  @Override
  public ConnectionStatus getConnectionStatus() {
    return machine.status();
  }

  @Override
  public void close() {
    if (!admission.acceptClose()) {
      return;
    }
    loop.post(() -> {
      connection.close();
      transports.close();
    });
    // Stops the loop once the task above has run, then the callbacks once they are delivered.
    threads.shutdown();
  }

  // ---- listeners ----------------------------------------------------------------------------------

  @Override
  public void setOnDatabaseOpened(OnDatabaseOpenedListener listener) {
    listeners.setOnDatabaseOpened(listener);
  }

  @Override
  public void setOnConnected(OnConnectedListener listener) {
    listeners.setOnConnected(listener);
  }

  @Override
  public void addConnectionStatusListener(ConnectionStatusListener listener) {
    if (listener != null) {
      listeners.status().add(listener);
    }
  }

  @Override
  public void removeConnectionStatusListener(ConnectionStatusListener listener) {
    listeners.status().remove(listener);
  }

  @Override
  public void addConnectionEventListener(ConnectionEventListener listener) {
    if (listener != null) {
      listeners.events().add(listener);
    }
  }

  @Override
  public void removeConnectionEventListener(ConnectionEventListener listener) {
    listeners.events().remove(listener);
  }

  @Override
  public void addMessageListener(MessageListener listener) {
    if (listener != null) {
      listeners.messages().add(listener);
    }
  }

  @Override
  public void removeMessageListener(MessageListener listener) {
    listeners.messages().remove(listener);
  }

  // ---- messaging ----------------------------------------------------------------------------------

  @Override
  public int sendMessage(String targetUserId, String objectName, String content, SendMessageCallback callback) {
    int code = checkSend(targetUserId, objectName, content);
    if (code != 0) {
      return code;
    }
    loop.post(() -> {
      int c = messenger.send(targetUserId, objectName, content, callback, null);
      if (c != 0 && callback != null) {
        listeners.run(() -> callback.onFailed(null, c)); // signed out meanwhile
      }
    });
    return 0;
  }

  @Override
  public CompletableFuture<Message> sendMessage(String targetUserId, String objectName, String content) {
    CompletableFuture<Message> future = new CompletableFuture<>();
    int code = checkSend(targetUserId, objectName, content);
    if (code != 0) {
      listeners.run(() -> future.completeExceptionally(new MessageSendException(code, null)));
      return future;
    }
    loop.post(() -> {
      int c = messenger.send(targetUserId, objectName, content, null, future);
      if (c != 0) {
        listeners.run(() -> future.completeExceptionally(new MessageSendException(c, null)));
      }
    });
    return future;
  }

  /** 0, or the code a send is refused with now. A connect just accepted opens the store before the send runs. */
  private int checkSend(String targetUserId, String objectName, String content) {
    int code = Limits.checkMessage(targetUserId, objectName, content);
    if (code == 0 && !admission.maySend()) {
      code = ErrorCode.CLIENT_NOT_INIT.code();
    }
    return code;
  }

  // ---- reads --------------------------------------------------------------------------------------

  private static void checkLimit(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
  }

  @Override
  public List<Message> getHistory(ConversationType type, String targetId, Message before, int limit) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(targetId, "targetId");
    checkLimit(limit);
    try {
      return admission.storeForReads().history(type, targetId, before, limit);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public List<Conversation> getConversations(int limit) {
    checkLimit(limit);
    try {
      return admission.storeForReads().conversations(limit);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public CompletableFuture<Integer> markRead(ConversationType type, String targetId) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(targetId, "targetId");
    CompletableFuture<Integer> out = new CompletableFuture<>();
    admission.storeForReads().markRead(type, targetId).whenComplete((n, e) -> listeners.run(() -> {
      if (e != null) {
        out.completeExceptionally(e);
      } else {
        out.complete(n);
      }
    }));
    return out;
  }

  @Override
  public int getTotalUnreadCount() {
    try {
      return admission.storeForReads().totalUnreadCount();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- diagnostics --------------------------------------------------------------------------------

  /** The transport serving {@code server}'s scheme (for diagnostics and tests). */
  public TransportProvider transportFor(URI server) {
    return transports.provider(server);
  }

  /** The name of the storage backend this engine opens stores with. */
  public String storageName() {
    return users.storageName();
  }
}
