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
 * The {@code tcp://host:port} transport, on Netty (NIO).
 *
 * <p>Wire format: each frame is preceded by its length as a protobuf varint32. The maximum frame
 * size ({@link TransportOptions#maxFrameSize()}, default 256 KiB) is checked as soon as a length
 * prefix is read, before the frame is buffered; a larger frame closes the connection with a {@link
 * io.imlink.api.spi.FrameTooLargeException}. Sockets use TCP_NODELAY and keep-alive. Writes from any
 * thread are queued and flushed once per event loop turn, so bursts cost one system call.
 *
 * <p>Close codes: TCP has no means to tell the peer why a connection ends, so {@link
 * io.imlink.api.spi.FrameChannel#close(int, String) close(code, reason)} is {@code close()} (queued
 * frames flushed, then the socket closed) and the peer sees an orderly close, never a {@link
 * io.imlink.api.spi.RemoteCloseException}; the imlink {@code Disconnect} or {@code ConnectAck} frame
 * sent before carries the code.
 *
 * <p>No handshake: a server hands each connection to its {@link io.imlink.api.spi.AcceptHandler} at
 * the TCP accept, so {@link TransportOptions#handshakeTimeout()} has nothing to time and the
 * application's own timer (the reference server's authentication timeout) covers a silent peer. An
 * exception or {@link Error} thrown by a handler closes that connection only.
 *
 * <p>Threads: a connector runs one event loop thread ({@code imlink-tcp-client-N}) for all its
 * connections, started on the first connect; an acceptor runs {@value TcpAcceptor#IO_THREADS}
 * threads (default: the number of cores, at most 4; {@code imlink-tcp-server-N}). Both stop, and
 * are joined, on {@code close()}.
 *
 * <p>Thread safety: every method may be called from any thread.
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
