package io.imlink.transport.websocket.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.java_websocket.WebSocket;
import org.java_websocket.WebSocketAdapter;
import org.java_websocket.WebSocketImpl;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.enums.ReadyState;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.Handshakedata;
import org.java_websocket.server.DefaultWebSocketServerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GuardedConnectionTest {
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private final List<Integer> closes = new CopyOnWriteArrayList<>();
  private final WebSocketImpl connection = new GuardedConnection.Factory(new DefaultWebSocketServerFactory(), timers,
      Duration.ofMinutes(1), 8192, 1024, new RefusalLog()).createWebSocket(new Closes(), List.of(new Draft_6455()));

  @AfterEach
  void stop() {
    timers.shutdownNow();
  }

  /**
   * The fuzzer's finding: a connection refused before its handshake is closed on the decoder thread,
   * and the peer's end of stream then arrives on the selector thread. The library's end of stream
   * threw there (the connection has no draft), and an exception on the selector thread stops the
   * whole server.
   */
  @Test
  void theEndOfAConnectionClosedBeforeItsHandshakeIsHarmless() {
    connection.closeConnection(CloseFrame.NEVER_CONNECTED, "handshake too large", false);

    assertDoesNotThrow(connection::eot);
    assertEquals(ReadyState.CLOSED, connection.getReadyState());
    assertEquals(List.of(CloseFrame.NEVER_CONNECTED), closes, "closed once");
  }

  @Test
  void theEndBeforeAnyHandshakeClosesAsNeverConnected() {
    connection.eot();

    assertEquals(ReadyState.CLOSED, connection.getReadyState());
    assertEquals(List.of(CloseFrame.NEVER_CONNECTED), closes);
  }

  /** Records each close the connection reports. */
  private final class Closes extends WebSocketAdapter {
    @Override
    public void onWebsocketClose(WebSocket ws, int code, String reason, boolean remote) {
      closes.add(code);
    }

    @Override
    public void onWebsocketMessage(WebSocket conn, String message) {}

    @Override
    public void onWebsocketMessage(WebSocket conn, ByteBuffer blob) {}

    @Override
    public void onWebsocketOpen(WebSocket conn, Handshakedata d) {}

    @Override
    public void onWebsocketClosing(WebSocket ws, int code, String reason, boolean remote) {}

    @Override
    public void onWebsocketCloseInitiated(WebSocket ws, int code, String reason) {}

    @Override
    public void onWebsocketError(WebSocket conn, Exception ex) {}

    @Override
    public void onWriteDemand(WebSocket conn) {}

    @Override
    public InetSocketAddress getLocalSocketAddress(WebSocket conn) {
      return null;
    }

    @Override
    public InetSocketAddress getRemoteSocketAddress(WebSocket conn) {
      return null;
    }
  }
}
