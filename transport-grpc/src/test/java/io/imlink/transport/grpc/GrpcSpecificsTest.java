package io.imlink.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.TransportOptions;
import io.imlink.protocol.v1.ImlinkProto;
import io.imlink.tck.RecordingFrameHandler;
import io.imlink.tck.TestTls;
import io.imlink.transport.grpc.internal.SessionMethod;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
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
    TransportOptions options = TransportOptions.builder().property("grpc.maxPendingBytes", Integer.toString(1 << 20)).build();
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
  void aSecureServerWithoutTlsContextIsRefusedClearly() {
    assertThatThrownBy(() -> provider.bind(URI.create("grpcs://127.0.0.1:0"), TransportOptions.defaults(),
            ch -> new RecordingFrameHandler()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("grpcs:// needs an SSLContext in the TransportOptions");
  }
}
