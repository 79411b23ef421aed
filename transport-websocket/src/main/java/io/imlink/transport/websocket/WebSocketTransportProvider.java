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
 * <p>Before the upgrade, a server gives each connection {@link TransportOptions#handshakeTimeout()}
 * from its TCP accept (TLS included) to complete the upgrade, and reads at most {@code
 * websocket.maxHandshakeBytes} (default 8 KiB) of upgrade request; a connection that fails either
 * is closed without being handed over. After it, every frame a client sends is checked at its
 * header, before it is buffered: unmasked, reserved bits, unknown opcodes, fragmented or long
 * control frames, a close code that may not be sent, continuation frames out of place close with
 * 1002; a close reason that is not UTF-8 with 1007; a text frame with 1003; a message whose
 * fragments, counted as they arrive, pass the maximum frame size with 1009 at the fragment that
 * passes it. Each refusal is one line at INFO on the {@code WsAcceptor} logger, at most one line a
 * second per listener (the others counted on the next). An exception or {@link Error} raised while
 * handling one connection closes that connection only.
 *
 * <p>Why the server stays on Java-WebSocket (decided for 1.6.0): left alone, the library has none of
 * the guards above — no handshake deadline (the upgrade request is buffered without bound and copied
 * anew for every read), fragments checked only at the final one, unmasked frames accepted, a close
 * reason that is not UTF-8 failing with a NullPointerException that leaves the connection open, an
 * ERROR with a stack trace for every malformed frame, and an {@code OutOfMemoryError} in any
 * connection's decoding stopping the whole server. All of a connection's input, though, goes through
 * two public, overridable methods, {@code WebSocketImpl.decode} (once per read buffer) and {@code
 * Draft.translateFrame} (every byte after the upgrade, once); the guards live there
 * ({@code GuardedConnection}, {@code ServerDraft}, {@code FrameGuard}), so that the library only ever
 * decodes well-formed frames within the limits, and the raw-socket tests of {@code
 * WebSocketServerGuardsTest} pin that behaviour for a library upgrade. Serving WebSocket from Netty's
 * codec instead (keeping Java-WebSocket for the client) would need a second server stack for what
 * these overrides already do. One failure is outside them: the library closes its listening
 * socket for good when an accept fails (out of file descriptors, in a flood of connections); the
 * acceptor notices it within 10 ms and listens again on the same port as soon as it can, the old
 * server keeping the connections it has. What stays the library's: its selector thread (accept,
 * read, write), where any exception stops that whole server. Of imlink's code only the end of
 * stream runs there ({@code GuardedConnection.eot}), and it must not throw: the library's own would,
 * for a connection refused before its upgrade was parsed, which the handshake fuzzer found. An
 * {@link Error} raised there by the library (a real exhaustion of memory, for instance) still ends
 * that server.
 *
 * <p>Threads (the library's design): each client connection has a read thread, a write thread and,
 * while connection-lost detection is on, a timer thread; a connector adds one connect-timeout
 * thread. A server has a selector thread, {@code websocket.workers} decoder threads (default:
 * cores, at most 4) and a timer thread (handshake deadlines, a check for lost write wake-ups and for
 * a listener closed by the library). All
 * end when their connection, connector or acceptor closes.
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
