package io.imlink.transport.websocket;

import io.imlink.api.spi.AcceptHandler;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.TransportProvider;
import io.imlink.transport.websocket.internal.WsAcceptor;
import io.imlink.transport.websocket.internal.WsConnector;
import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * The {@code ws://host:port/path} and {@code wss://…} transport, on Java-WebSocket.
 *
 * <p>Wire format: one binary WebSocket message per frame. The path defaults to {@code /im}
 * (property {@code websocket.path}); the server refuses handshakes for other paths. The maximum
 * frame size ({@link TransportOptions#maxFrameSize()}) bounds every WebSocket frame and every
 * reassembled message, checked from the frame header before the payload is buffered (the library's
 * default is unbounded); an oversized message closes the connection with code 1009 and a {@link
 * io.imlink.api.spi.FrameTooLargeException}. WebSocket pings check an idle link after {@code
 * websocket.connectionLostTimeoutSeconds} (default 30). {@code wss} uses {@link
 * TransportOptions#sslContext()} (a server requires one).
 *
 * <p>Close codes, both ways: {@link io.imlink.api.spi.FrameChannel#close(int, String) close(code,
 * reason)} sends, behind every queued frame, a close frame whose code carries the imlink code
 * (4000–4999, mapped by {@link io.imlink.api.spi.RemoteCloseException#toWebSocketCode}; 1000 for
 * code 0) and the reason (cut to 123 bytes of UTF-8). A received close code from 4000 to 4999 ends
 * the channel with a {@link io.imlink.api.spi.RemoteCloseException} carrying the imlink code; 1000
 * and 1001 are orderly (a null cause); 1009 is a {@link io.imlink.api.spi.FrameTooLargeException};
 * any other code an {@link java.io.IOException}.
 *
 * <p>Threads (the library's design): each client connection has a read thread, a write thread and,
 * while connection-lost detection is on, a timer thread; a connector adds one connect-timeout
 * thread. A server has a selector thread and {@code websocket.workers} decoder threads (default:
 * cores, at most 4). All end when their connection, connector or acceptor closes.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class WebSocketTransportProvider implements TransportProvider {

  @Override
  public String name() {
    return "websocket-java-websocket";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("ws", "wss");
  }

  @Override
  public Connector newConnector(TransportOptions options) {
    return new WsConnector(options);
  }

  @Override
  public Acceptor bind(URI address, TransportOptions options, AcceptHandler handler) throws IOException {
    return WsAcceptor.bind(address, options, handler);
  }
}
