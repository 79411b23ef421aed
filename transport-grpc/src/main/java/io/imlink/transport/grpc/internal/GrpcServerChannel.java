package io.imlink.transport.grpc.internal;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.net.SocketAddress;

/** One accepted {@code Session/Connect} stream as a frame channel. */
final class GrpcServerChannel extends StreamChannel {
  private final ServerCall<byte[], byte[]> call;
  private final SocketAddress remote;
  private final SocketAddress local;
  private volatile StreamDeadlines.Connection connection; // null if unknown

  GrpcServerChannel(ServerCall<byte[], byte[]> call, int maxFrameSize, io.imlink.api.spi.WriteBudget budget) {
    super(maxFrameSize, budget);
    this.call = call;
    this.remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    this.local = call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR);
  }

  /** The HTTP/2 connection the stream is on. */
  void connection(StreamDeadlines.Connection c) {
    this.connection = c;
  }

  /**
   * Ends a stream whose peer does not read by closing its connection beneath gRPC: the stream's
   * trailers would wait behind the data the peer does not read, and so would the close's report.
   */
  @Override
  void abortUnread(Status status) {
    StreamDeadlines.Connection c = connection;
    if (c != null) {
      c.closeNow();
    } else {
      abortStream(status);
    }
  }

  @Override
  boolean streamReady() {
    return call.isReady();
  }

  @Override
  void sendMessage(byte[] frame) {
    call.sendMessage(frame);
  }

  /** The status this side ended the stream with, once it has; null until then. */
  private volatile Status.Code endedWith;

  @Override
  void finishStream(int code, String reason) {
    Status status = CloseStatus.status(code, reason);
    endedWith = status.getCode();
    call.close(status, CloseStatus.trailers(code));
  }

  /** The tracer reports the status we closed with: that is our own orderly end, not an error. */
  @Override
  boolean endedByUs(Status status) {
    return status.getCode() == endedWith;
  }

  @Override
  void abortStream(Status status) {
    try {
      call.close(status, new Metadata());
    } catch (IllegalStateException alreadyClosed) {
      // the stream ended meanwhile
    }
  }

  @Override
  public boolean isOpen() {
    return !isFinished() && !call.isCancelled();
  }

  @Override
  public SocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public SocketAddress localAddress() {
    return local;
  }

  @Override
  public String toString() {
    return "grpc[" + local + " <- " + remote + "]";
  }
}
