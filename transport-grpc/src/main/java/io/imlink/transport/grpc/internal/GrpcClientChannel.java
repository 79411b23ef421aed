package io.imlink.transport.grpc.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * One client connection: a {@link ManagedChannel} of its own carrying one {@code Session/Connect}
 * stream. The channel is open once the server's response headers arrive (the server sends them as
 * soon as it accepts the stream).
 */
final class GrpcClientChannel extends StreamChannel {
  private final URI target;
  private final ManagedChannel managed;
  private final ClientCall<byte[], byte[]> call;
  final CompletableFuture<FrameChannel> opened = new CompletableFuture<>();
  volatile Runnable onFinished = () -> {};
  private volatile SocketAddress remote;
  private volatile SocketAddress local;

  GrpcClientChannel(URI target, ManagedChannel managed, int maxFrameSize, FrameHandler handler) {
    super(maxFrameSize, io.imlink.api.spi.WriteBudget.UNBOUNDED); // the write budget is the server's rule
    this.target = target;
    this.managed = managed;
    this.call = managed.newCall(SessionMethod.CONNECT, CallOptions.DEFAULT);
    handler(handler);
  }

  void start() {
    call.start(new Listener(), new Metadata());
    call.request(1);
  }

  /** The connect timeout ran out before the stream opened. */
  void timedOut(long timeoutMs) {
    if (opened.completeExceptionally(
        new SocketTimeoutException("connecting to " + target + " timed out after " + timeoutMs + " ms"))) {
      abandon();
    }
  }

  /** The connect was cancelled or the connector closed: end quietly. */
  void abandon() {
    silence();
    call.cancel("abandoned", null);
    managed.shutdownNow();
  }

  @Override
  boolean streamReady() {
    return call.isReady();
  }

  @Override
  void sendMessage(byte[] frame) {
    call.sendMessage(frame);
  }

  /**
   * Half-closes: gRPC lets only the server end a stream with a status, so the code and reason do
   * not travel; the server answers by ending the stream with OK.
   */
  @Override
  void finishStream(int code, String reason) {
    call.halfClose();
  }

  @Override
  void abortStream(Status status) {
    call.cancel(status.getDescription(), status.getCause());
  }

  @Override
  public boolean isOpen() {
    return opened.isDone() && !opened.isCompletedExceptionally() && !isFinished();
  }

  @Override
  public SocketAddress remoteAddress() {
    return remote;
  }

  @Override
  public SocketAddress localAddress() {
    return local;
  }

  ManagedChannel managed() {
    return managed;
  }

  @Override
  public String toString() {
    return "grpc[" + target + "]";
  }

  private final class Listener extends ClientCall.Listener<byte[]> {
    @Override
    public void onHeaders(Metadata headers) {
      remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      local = call.getAttributes().get(Grpc.TRANSPORT_ATTR_LOCAL_ADDR);
      if (!opened.complete(GrpcClientChannel.this)) {
        abandon();
      }
    }

    @Override
    public void onMessage(byte[] frame) {
      deliver(frame);
      call.request(1);
    }

    @Override
    public void onReady() {
      GrpcClientChannel.this.onReady();
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      try {
        if (!opened.isDone()) {
          opened.completeExceptionally(connectFailure(status));
        } else {
          ended(status, trailers);
        }
      } finally {
        managed.shutdownNow();
        onFinished.run();
      }
    }
  }

  private IOException connectFailure(Status status) {
    String detail = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    IOException e = status.getCode() == Status.Code.UNAVAILABLE
        ? new ConnectException("cannot connect to " + target + ": " + detail)
        : new IOException("cannot connect to " + target + ": " + detail);
    e.initCause(status.asRuntimeException());
    return e;
  }
}
