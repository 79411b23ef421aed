package io.imlink.transport.tcp;

import io.imlink.api.spi.AcceptHandler;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.TransportProvider;
import io.imlink.transport.tcp.internal.TcpAcceptor;
import io.imlink.transport.tcp.internal.TcpConnector;
import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * The {@code tcp://host:port} and {@code tcps://host:port} transport, on Netty (NIO).
 *
 * <p>Wire format: each frame is preceded by its length as a protobuf varint32. The maximum frame
 * size ({@link TransportOptions#maxFrameSize()}, default 256 KiB) is checked as soon as a length
 * prefix is read, before the frame is buffered; a larger frame closes the connection with a {@link
 * io.imlink.api.spi.FrameTooLargeException}. Sockets use TCP_NODELAY and keep-alive. Writes from any
 * thread are queued and flushed once per event loop turn, so bursts cost one system call.
 *
 * <p>{@code tcps}: TLS first, then the same varint-framed stream, with the same frame limit and
 * backpressure (the TLS handler goes first in each connection's pipeline). The TLS context is
 * {@link TransportOptions#sslContext()}'s, required on both sides ({@code tcps} without one is an
 * {@link IllegalArgumentException} at {@code bind} or {@code connect}; the engine always sets one,
 * and the reference server takes it from {@code ImServer.Builder.tls}). The TLS implementation is
 * OpenSSL (BoringSSL) when {@code io.netty:netty-tcnative-boringssl-static} is on the class path
 * and the options carry a {@code ServerTls} or {@code ClientTls} ({@link
 * TransportOptions.Builder#tls}), whose key or trust manager it asks at each handshake; otherwise
 * the JDK's engine from the context. The property {@code tcp.tls} ({@code auto}, {@code openssl},
 * {@code jdk}) forces one; {@code openssl} where it cannot be used is an {@link
 * IllegalArgumentException} at {@code bind} or {@code connect} saying what to add. Either way a
 * server offers only TLS 1.3 and 1.2. A server's engine is in server mode; a client's is made for
 * the host and port, in client mode, with SNI (for host names; SNI carries no IP addresses) and {@code HTTPS} endpoint identification
 * always set, so that a certificate that does not name the URI's host fails the handshake whatever
 * the context's defaults. A client's connect completes once the handshake has succeeded, the TCP
 * connect and the handshake together within {@link TransportOptions#connectTimeout()} (else a
 * {@link java.net.SocketTimeoutException}); a failed handshake fails it with the {@link
 * javax.net.ssl.SSLException} in its cause chain (the engine's 30017). A server hands a connection
 * to its {@link AcceptHandler} only once its handshake has succeeded, which must happen within
 * {@link TransportOptions#handshakeTimeout()} of the TCP accept: a connection that does not, or
 * whose handshake fails, is closed unseen by the handler.
 *
 * <p>Close codes: TCP has no means to tell the peer why a connection ends, so {@link
 * io.imlink.api.spi.FrameChannel#close(int, String) close(code, reason)} is {@code close()} (queued
 * frames flushed, then the socket closed) and the peer sees an orderly close, never a {@link
 * io.imlink.api.spi.RemoteCloseException}; the imlink {@code Disconnect} or {@code ConnectAck} frame
 * sent before carries the code.
 *
 * <p>Plain {@code tcp} has no handshake: a server hands each connection to its {@link
 * io.imlink.api.spi.AcceptHandler} at the TCP accept, so {@link TransportOptions#handshakeTimeout()}
 * has nothing to time and the application's own timer (the reference server's authentication
 * timeout) covers a silent peer. An exception or {@link Error} thrown by a handler closes that
 * connection only.
 *
 * <p>Options read: {@link TransportOptions#maxFrameSize()}, {@link
 * TransportOptions#connectTimeout()} (clients), {@link TransportOptions#handshakeTimeout()} ({@code
 * tcps} servers), {@link TransportOptions#sslContext()}, {@link TransportOptions#serverTls()} and
 * {@link TransportOptions#clientTls()} ({@code tcps}), and the properties {@code tcp.tls} ({@code
 * tcps}) and {@value TcpAcceptor#IO_THREADS} (servers).
 *
 * <p>Threads: a connector runs one event loop thread ({@code imlink-tcp-client-N}) for all its
 * connections, started on the first connect; an acceptor runs {@value TcpAcceptor#IO_THREADS}
 * threads (default: the number of cores, at most 4; {@code imlink-tcp-server-N}). Both stop, and
 * are joined, on {@code close()}. TLS work (handshakes, encryption) runs on those threads.
 *
 * <p>Thread safety: every method may be called from any thread, any number of times; {@code bind}
 * blocks until the socket listens, {@code connect} never blocks (its future completes on an event
 * loop thread), and the connector's and acceptor's {@code close()} block until their threads have
 * ended (bounded).
 */
public final class TcpTransportProvider implements TransportProvider {

  @Override
  public String name() {
    return "tcp-netty";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("tcp", "tcps");
  }

  @Override
  public Connector newConnector(TransportOptions options) {
    return new TcpConnector(options);
  }

  @Override
  public Acceptor bind(URI address, TransportOptions options, AcceptHandler handler) throws IOException {
    return TcpAcceptor.bind(address, options, handler);
  }
}
