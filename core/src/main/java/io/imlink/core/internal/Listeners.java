package io.imlink.core.internal;

import io.imlink.api.ConnectionEventListener;
import io.imlink.api.ConnectionStatus;
import io.imlink.api.ConnectionStatusListener;
import io.imlink.api.Message;
import io.imlink.api.MessageListener;
import io.imlink.api.OnConnectedListener;
import io.imlink.api.OnDatabaseOpenedListener;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The app's listeners, and the one way the engine calls them: on the serialised callback executor,
 * in the order the engine reported, each exception logged and contained (the other listeners are
 * still called). Every other app-facing completion (send callbacks, futures) goes through {@link
 * #run} too, so that all of them keep one order.
 *
 * <p>Thread safety: registration from any thread; the {@code fire…} methods from the loop (they
 * only queue).
 */
@Singleton
final class Listeners {
  private static final Logger log = LoggerFactory.getLogger(Listeners.class);

  private final Executor callbacks;
  private final CopyOnWriteArraySet<ConnectionStatusListener> statusListeners = new CopyOnWriteArraySet<>();
  private final CopyOnWriteArraySet<ConnectionEventListener> eventListeners = new CopyOnWriteArraySet<>();
  private final CopyOnWriteArraySet<MessageListener> messageListeners = new CopyOnWriteArraySet<>();
  private volatile OnDatabaseOpenedListener onDatabaseOpened;
  private volatile OnConnectedListener onConnected;

  @Inject
  Listeners(@Callbacks Executor callbacks) {
    this.callbacks = callbacks;
  }

  void setOnDatabaseOpened(OnDatabaseOpenedListener l) {
    onDatabaseOpened = l;
  }

  void setOnConnected(OnConnectedListener l) {
    onConnected = l;
  }

  CopyOnWriteArraySet<ConnectionStatusListener> status() {
    return statusListeners;
  }

  CopyOnWriteArraySet<ConnectionEventListener> events() {
    return eventListeners;
  }

  CopyOnWriteArraySet<MessageListener> messages() {
    return messageListeners;
  }

  /** Runs an app-facing completion on the callback executor, in order with every callback. */
  void run(Runnable task) {
    callbacks.execute(task);
  }

  void fireDatabaseOpened(int code) {
    callbacks.execute(() -> {
      OnDatabaseOpenedListener l = onDatabaseOpened;
      if (l != null) {
        contained("onDatabaseOpened listener", () -> l.onDatabaseOpened(code));
      }
    });
  }

  void fireConnected(int code, String userId) {
    String id = userId == null ? "" : userId;
    callbacks.execute(() -> {
      OnConnectedListener l = onConnected;
      if (l != null) {
        contained("onConnected listener", () -> l.onConnected(code, id));
      }
    });
  }

  void fireStatus(ConnectionStatus status, int reason) {
    callbacks.execute(() -> {
      for (ConnectionStatusListener l : statusListeners) {
        contained("a connection status listener", () -> l.onConnectionStatusChanged(status, reason));
      }
    });
  }

  /** Tells every connection event listener; cheap when there is none. */
  void fireEvent(Consumer<ConnectionEventListener> event) {
    if (eventListeners.isEmpty()) {
      return;
    }
    callbacks.execute(() -> {
      for (ConnectionEventListener l : eventListeners) {
        contained("a connection event listener", () -> event.accept(l));
      }
    });
  }

  void fireMessage(Message m, int left, boolean offline) {
    callbacks.execute(() -> {
      for (MessageListener l : messageListeners) {
        contained("a message listener", () -> l.onMessageReceived(m, left, offline));
      }
    });
  }

  private static void contained(String who, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.error("{} threw; ignored", who, e);
    }
  }
}
