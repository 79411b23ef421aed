package io.imlink.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.TransportOptions;
import io.imlink.protocol.v1.ImlinkProto;
import io.imlink.tck.Await;
import io.imlink.tck.RecordingFrameHandler;
import io.imlink.tck.TestTls;
import io.imlink.transport.grpc.internal.SessionMethod;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour particular to gRPC: the method from the .proto, flow control, TLS. */
class GrpcSpecificsTest {
  private final GrpcTransportProvider provider = new GrpcTransportProvider();

  @Test
  void theMethodIsTheSessionServiceOfTheProto() {
    var method = ImlinkProto.getDescriptor().findServiceByName("Session").findMethodByName("Connect");
    assertThat(SessionMethod.CONNECT.getFullMethodName())
        .isEqualTo(method.getService().getFullName() + "/" + method.getName());
    assertThat(SessionMethod.CONNECT.getType()).isEqualTo(io.grpc.MethodDescriptor.MethodType.BIDI_STREAMING);
  }

  @Test
  void aPeerThatDoesNotReadMakesTheChannelUnwritableAndIsCutOffBeyondTheBound() throws Exception {
    List<FrameChannel> accepted = new CopyOnWriteArrayList<>();
    List<RecordingFrameHandler> handlers = new CopyOnWriteArrayList<>();
    AtomicBoolean sawUnwritable = new AtomicBoolean();
    TransportOptions options = TransportOptions.builder().maxPendingBytes(1 << 20).build();
    try (Acceptor acceptor = provider.bind(URI.create("grpc://127.0.0.1:0"), options, ch -> {
      accepted.add(ch);
      RecordingFrameHandler h = new RecordingFrameHandler();
      handlers.add(h);
      return h;
    })) {
      // A raw gRPC client that opens the stream and never asks for a message.
      ManagedChannel raw = NettyChannelBuilder.forAddress("127.0.0.1", acceptor.localAddress().getPort())
          .usePlaintext().directExecutor().build();
      try {
        ClientCall<byte[], byte[]> call = raw.newCall(SessionMethod.CONNECT, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {}, new Metadata()); // and never call.request(n)
        call.sendMessage(new byte[] {1});
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (accepted.isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        FrameChannel server = accepted.get(0);
        byte[] chunk = new byte[64 * 1024];
        int sent = 0;
        while (server.send(chunk) && sent < 200) {
          sent++;
          if (!server.isWritable()) {
            sawUnwritable.set(true);
          }
        }
        assertThat(handlers.get(0).awaitClosed()).hasMessageContaining("peer too slow");
        assertThat(sent).as("frames accepted before the bound").isBetween(10, 199);
        assertThat(sawUnwritable).isTrue();
        assertThat(server.isWritable()).isFalse();
        assertThat(server.send(chunk)).isFalse();
      } finally {
        raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aServerCloseWithACodeEndsTheStreamWithItsStatusAndTheCodeTrailerForAPlainClient() throws Exception {
    List<FrameChannel> accepted = new CopyOnWriteArrayList<>();
    try (Acceptor acceptor = provider.bind(URI.create("grpc://127.0.0.1:0"), TransportOptions.defaults(), ch -> {
      accepted.add(ch);
      return new RecordingFrameHandler();
    })) {
      ManagedChannel raw = NettyChannelBuilder.forAddress("127.0.0.1", acceptor.localAddress().getPort())
          .usePlaintext().directExecutor().build();
      try {
        Metadata.Key<String> key = Metadata.Key.of("imlink-code", Metadata.ASCII_STRING_MARSHALLER);
        int[] codes = {31004, 0};
        Status.Code[] expected = {Status.Code.UNAUTHENTICATED, Status.Code.OK};
        for (int i = 0; i < codes.length; i++) {
          BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
          CompletableFuture<Status> status = new CompletableFuture<>();
          CompletableFuture<Metadata> trailers = new CompletableFuture<>();
          ClientCall<byte[], byte[]> call = raw.newCall(SessionMethod.CONNECT, CallOptions.DEFAULT);
          call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
              messages.add(message);
            }

            @Override
            public void onClose(Status s, Metadata t) {
              trailers.complete(t);
              status.complete(s);
            }
          }, new Metadata());
          call.request(10);
          call.sendMessage(new byte[] {1});
          int index = i;
          Await.until("the server accepted stream " + i, () -> accepted.size() == index + 1);
          accepted.get(i).send(new byte[] {7});
          accepted.get(i).close(codes[i], "token refused");
          Status s = status.get(10, TimeUnit.SECONDS);
          assertThat(messages.poll()).as("the frame before the close").containsExactly(7);
          assertThat(s.getCode()).isEqualTo(expected[i]);
          if (codes[i] != 0) {
            assertThat(s.getDescription()).isEqualTo("token refused");
            assertThat(trailers.get().get(key)).isEqualTo("31004");
          } else {
            assertThat(trailers.get().containsKey(key)).isFalse();
          }
        }
      } finally {
        raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The handshake timeout holds whenever a connection has no stream: once its stream has ended, a
   * connection that opens no other one is closed; while it has one, it is not.
   */
  @Test
  void aConnectionWhoseStreamEndedIsClosedWithinTheHandshakeTimeout() throws Exception {
    Duration timeout = Duration.ofMillis(300);
    List<FrameChannel> accepted = new CopyOnWriteArrayList<>();
    try (Acceptor acceptor = provider.bind(URI.create("grpc://127.0.0.1:0"),
        TransportOptions.builder().handshakeTimeout(timeout).build(), ch -> {
          accepted.add(ch);
          return RecordingFrameHandler.echo();
        })) {
      ManagedChannel raw = NettyChannelBuilder.forAddress("127.0.0.1", acceptor.localAddress().getPort())
          .usePlaintext().directExecutor().build();
      try {
        BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        CompletableFuture<Status> status = new CompletableFuture<>();
        ClientCall<byte[], byte[]> call = raw.newCall(SessionMethod.CONNECT, CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            messages.add(message);
          }

          @Override
          public void onClose(Status s, Metadata t) {
            status.complete(s);
          }
        }, new Metadata());
        call.request(10);
        call.sendMessage(new byte[] {1});
        assertThat(messages.poll(10, TimeUnit.SECONDS)).containsExactly(1);
        assertThat(raw.getState(false)).isEqualTo(ConnectivityState.READY);

        long ended = System.nanoTime(); // before the server ends the stream, where its deadline starts
        accepted.get(0).close();
        assertThat(status.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.OK);
        Await.until("the server closes the connection left without a stream",
            () -> raw.getState(false) != ConnectivityState.READY, Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(System.nanoTime() - ended)).isGreaterThanOrEqualTo(timeout);
      } finally {
        raw.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void grpcsCarriesFramesOverTls(@TempDir Path tmp) throws Exception {
    TestTls tls = TestTls.create(tmp);
    try (Acceptor acceptor = provider.bind(URI.create("grpcs://localhost:0"),
            TransportOptions.builder().sslContext(tls.serverContext()).build(), ch -> RecordingFrameHandler.echo());
        Connector connector = provider.newConnector(TransportOptions.builder().sslContext(tls.clientContext()).build())) {
      assertThat(acceptor.uri().getScheme()).isEqualTo("grpcs");
      RecordingFrameHandler client = new RecordingFrameHandler();
      FrameChannel channel = connector.connect(acceptor.uri(), client).get(10, TimeUnit.SECONDS);
      byte[] frame = new byte[100_000];
      frame[99_999] = 5;
      channel.send(frame);
      assertThat(client.nextFrame()).isEqualTo(frame);

      try (Connector untrusting = provider.newConnector(TransportOptions.defaults())) {
        assertThatThrownBy(() -> untrusting.connect(acceptor.uri(), new RecordingFrameHandler()).get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class);
      }
    }
  }

  @Test
  void aPeerThatNeverCompletesTheTlsHandshakeIsClosedWithinTheHandshakeTimeout(@TempDir Path tmp) throws Exception {
    TestTls tls = TestTls.create(tmp);
    try (Acceptor acceptor = provider.bind(URI.create("grpcs://localhost:0"), TransportOptions.builder()
            .sslContext(tls.serverContext()).handshakeTimeout(Duration.ofMillis(300)).build(), ch -> RecordingFrameHandler.echo());
        java.net.Socket silent = new java.net.Socket(io.imlink.tck.Network.loopback(), acceptor.localAddress().getPort())) {
      silent.setSoTimeout(5_000);
      silent.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // the start of a TLS record, and no more
      try {
        while (silent.getInputStream().read() >= 0) {
          // a TLS alert may come before the end
        }
      } catch (java.net.SocketException reset) {
        // closed too
      }
    }
  }

  @Test
  void aSecureServerWithoutTlsContextIsRefusedClearly() {
    assertThatThrownBy(() -> provider.bind(URI.create("grpcs://127.0.0.1:0"), TransportOptions.defaults(),
            ch -> new RecordingFrameHandler()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("grpcs:// needs an SSLContext in the TransportOptions");
  }
}
