package io.imlink.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.ReconnectPolicy;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.TransportProvider;
import io.imlink.protocol.Frames;
import io.imlink.protocol.TokenClaims;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.Tokens;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol's limits as the engine applies them. A frame the engine cannot write is never dropped while the link looks healthy: the link is closed
 * and reported lost with 30014, and the engine tries again. And transport options too small for a
 * valid message are refused at build.
 */
class EngineLimitsTest {
  @TempDir Path tmp;

  // ServiceLoader makes the transport: these are how the test sees its connections (reset per test).
  static final AtomicInteger opened = new AtomicInteger();
  static final BlockingQueue<Boolean> closes = new LinkedBlockingQueue<>();

  /**
   * A transport that plays the server too: it accepts every ConnectRequest, and from then on its
   * channel carries frames of at most 32 bytes (pings and sync requests fit, a message does not).
   */
  public static final class TinyFrames extends TestProviders.NamedTransport {
    public TinyFrames() {
      super(5, "tiny");
    }

    @Override
    public Connector newConnector(TransportOptions options) {
      return new Connector() {
        @Override
        public CompletableFuture<FrameChannel> connect(URI target, FrameHandler handler) {
          opened.incrementAndGet();
          return CompletableFuture.completedFuture(new FrameChannel() {
            private volatile boolean open = true;
            private volatile int limit = 1024;

            @Override
            public boolean send(byte[] frame) {
              if (frame.length > limit) {
                throw new IllegalArgumentException("the engine wrote a frame over the limit");
              }
              try {
                if (Frames.decode(frame).hasConnectRequest()) {
                  limit = 32;
                  handler.onFrame(this, Frame.newBuilder().setConnectAck(ConnectAck.newBuilder().setCode(0)
                      .setUserId("alice").setServerTimeMs(System.currentTimeMillis())).build().toByteArray());
                }
              } catch (java.io.IOException e) {
                throw new AssertionError(e);
              }
              return open;
            }

            @Override
            public void close() {
              if (open) {
                open = false;
                closes.add(true);
                handler.onClosed(this, null);
              }
            }

            @Override
            public boolean isOpen() {
              return open;
            }

            @Override
            public boolean isWritable() {
              return true;
            }

            @Override
            public int maxFrameSize() {
              return limit;
            }

            @Override
            public SocketAddress remoteAddress() {
              return new InetSocketAddress("127.0.0.1", 1);
            }

            @Override
            public SocketAddress localAddress() {
              return new InetSocketAddress("127.0.0.1", 2);
            }
          });
        }

        @Override
        public void close() {}
      };
    }
  }

  private ImEngine.Builder builder() {
    return TestProviders.builder(tmp, TinyFrames.class, URI.create("tiny://127.0.0.1:1"));
  }

  @Test
  void aFrameOverTheChannelsLimitClosesTheLinkWith30014AndTheEngineTriesAgain() throws Exception {
    opened.set(0);
    closes.clear();
    String token = Tokens.sign(new TokenClaims("app", "alice", Instant.now(), null), "app-secret-0123");
    try (ImEngine engine = builder().reconnectPolicy(ReconnectPolicy.fixed(Duration.ofSeconds(30))).build()) {
      BlockingQueue<String> statuses = new LinkedBlockingQueue<>();
      engine.addConnectionStatusListener((status, reason) -> statuses.add(status + " " + reason));
      assertThat(engine.connect(token, 0)).isZero();
      assertThat(statuses.poll(10, TimeUnit.SECONDS)).isEqualTo(ConnectionStatus.CONNECTING + " 0");
      assertThat(statuses.poll(10, TimeUnit.SECONDS)).isEqualTo(ConnectionStatus.CONNECTED + " 0");
      assertThat(closes).isEmpty();

      assertThat(engine.sendMessage("bob", "RC:TxtMsg", "x".repeat(100), null)).isZero();
      // The Publish does not fit: the link is closed and reported lost with 30014, not left up.
      assertThat(closes.poll(10, TimeUnit.SECONDS)).isTrue();
      assertThat(statuses.poll(10, TimeUnit.SECONDS)).isEqualTo(ConnectionStatus.SUSPEND + " 30014");
      assertThat(opened.get()).isEqualTo(1);
    }
  }

  @Test
  void anAppKeyOrDeviceIdOverTheProtocolsLimitIsRefusedAtBuild() {
    assertThat(builder().build()).isNotNull().satisfies(ImEngine::close);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ImEngine.builder("k".repeat(65))
            .server(URI.create("tiny://127.0.0.1:1")).dataDirectory(tmp).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("appKey must be 1 to 64 UTF-8 bytes, got 65");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder().deviceId("é".repeat(33)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deviceId must be 1 to 64 UTF-8 bytes, got 66");
  }

  @Test
  void transportOptionsTooSmallForTheLargestMessageAreRefusedAtBuild() {
    ImEngine.Builder b = builder().transportOptions(TransportOptions.builder().maxFrameSize(64 * 1024).build());
    org.assertj.core.api.Assertions.assertThatThrownBy(b::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxFrameSize 65536 is too small for the protocol");
  }
}
