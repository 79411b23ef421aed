package io.imlink.transport.grpc;

import io.imlink.api.spi.AcceptHandler;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.TransportProvider;
import io.imlink.transport.grpc.internal.GrpcAcceptor;
import io.imlink.transport.grpc.internal.GrpcConnector;
import java.io.IOException;
import java.net.URI;
import java.util.Set;

/**
 * The {@code grpc://host:port} (plaintext HTTP/2) and {@code grpcs://host:port} (TLS) transport,
 * on grpc-java with its shaded Netty.
 *
 * <p>Each connection is one {@code imlink.v1.Session/Connect} bidirectional stream, as declared in
 * {@code imlink/v1/imlink.proto}: one gRPC message per frame. Frames pass through as bytes (no
 * second decoding). Flow control: messages are requested one at a time and sent only while the
 * stream is ready; what a slow peer cannot take yet waits in a queue, which a server keeps within its write
 * budget ({@link TransportOptions#maxPendingBytes()}, default 4 MiB): the stream is cancelled beyond
 * it. The maximum inbound
 * message size is the maximum frame size, enforced by gRPC from the message header before
 * buffering. HTTP/2 keepalive pings detect dead links ({@code grpc.keepAliveTimeSeconds}, default
 * 30; {@code grpc.keepAliveTimeoutSeconds}, default 10). The connect timeout bounds the TCP, TLS and
 * HTTP/2 handshakes and the stream's acceptance. A server closes a connection that has not opened
 * a stream within {@link TransportOptions#handshakeTimeout()} of its TCP accept (TLS, HTTP/2
 * preface and stream headers included), or of the end of its last stream; the stream's first
 * message is the application's to time, as the channel is handed over when the stream opens.
 *
 * <p>HTTP/2 abuse: a client may have at most {@code grpc.maxStreamsPerConnection} streams open at
 * once on a server connection (default 4; an imlink client uses one), further ones are refused with
 * RST_STREAM REFUSED_STREAM; and a client that resets more than {@code grpc.maxResetsPerWindow}
 * streams (default 100) within 10 s, the rapid-reset flood of CVE-2023-44487, gets GOAWAY
 * ENHANCE_YOUR_CALM and loses the connection.
 *
 * <p>Close codes, from the server only: a server channel's {@link
 * io.imlink.api.spi.FrameChannel#close(int, String) close(code, reason)} ends the stream, after the
 * queued frames, with a non-OK status chosen by the code (the table in {@link
 * io.imlink.transport.grpc.internal.CloseStatus}), the reason as its description and the code in
 * the trailer {@code imlink-code}; code 0 ends it with OK. The client reports such an end as a
 * {@link io.imlink.api.spi.RemoteCloseException}; OK is an orderly close (a null cause), a non-OK
 * status without the trailer a transport error. A client channel's {@code close(code, reason)} is
 * {@code close()}, a half-close: gRPC has no means for a client to end a stream with a status, so
 * the server sees an orderly close.
 *
 * <p>An exception or {@link Error} thrown by a handler ends that stream only.
 *
 * <p>Threads: a connector runs one event loop thread ({@code imlink-grpc-client-1}) for all its
 * connections; an acceptor one boss thread and {@code grpc.ioThreads} workers (default: cores, at
 * most 4). gRPC's shared default executors are never used; everything stops on {@code close()}.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class GrpcTransportProvider implements TransportProvider {

  @Override
  public String name() {
    return "grpc-java";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("grpc", "grpcs");
  }

  @Override
  public Connector newConnector(TransportOptions options) {
    return new GrpcConnector(options);
  }

  @Override
  public Acceptor bind(URI address, TransportOptions options, AcceptHandler handler) throws IOException {
    return GrpcAcceptor.bind(address, options, handler);
  }
}
