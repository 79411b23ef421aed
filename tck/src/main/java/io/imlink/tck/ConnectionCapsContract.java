package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ErrorCode;
import io.imlink.api.spi.FrameChannel;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Frame;
import io.imlink.server.ImServer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's connection caps, run by every transport: with {@link ImServer.Builder#maxConnections}
 * or {@link ImServer.Builder#maxConnectionsPerAddress} at N, N connections are accepted, the next
 * one's ConnectRequest is refused with 31003 (a reason saying which cap) and its connection closed,
 * and once one of the N has closed a new connection is accepted again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class ConnectionCapsContract extends EngineFixture {
  private static final int CAP = 3;

  /** An authenticated raw connection, or a refused one (its ConnectAck says which). */
  private record Raw(FrameChannel channel, RecordingFrameHandler handler, ConnectAck ack) {}

  private Raw connect(String user) throws Exception {
    RecordingFrameHandler h = new RecordingFrameHandler();
    FrameChannel ch = rawConnect(h);
    ch.send(Frames.encode(Frame.newBuilder().setConnectRequest(ConnectRequest.newBuilder()
        .setProtocolVersion(Frames.PROTOCOL_VERSION).setAppKey(APP_KEY).setToken(api.getToken(user))
        .setDeviceId("caps-" + UUID.randomUUID()).setSdkVersion("caps/1")).build()));
    Frame answer = Frames.decode(h.nextFrame());
    assertThat(answer.getBodyCase()).as("the answer to a ConnectRequest").isEqualTo(Frame.BodyCase.CONNECT_ACK);
    return new Raw(ch, h, answer.getConnectAck());
  }

  private void capIsKeptAndFreedAgain(Consumer<ImServer.Builder> cap, String reason) throws Exception {
    startServer(cap);
    List<Raw> admitted = new ArrayList<>();
    for (int i = 0; i < CAP; i++) {
      Raw r = connect("user-" + i);
      assertThat(r.ack().getCode()).as("connection %d of %d", i + 1, CAP).isZero();
      admitted.add(r);
    }
    Raw over = connect("user-over");
    assertThat(over.ack().getCode()).as("connection %d", CAP + 1).isEqualTo(ErrorCode.CONN_SERVER_UNAVAILABLE.code());
    assertThat(over.ack().getReason()).contains(reason);
    over.handler().awaitClosed();
    assertThat(over.handler().isClosed()).as("the refused connection is closed").isTrue();
    assertThat(server.stats().connectsOverCapacity()).isEqualTo(1);
    assertThat(server.sessionCount()).isEqualTo(CAP);

    admitted.get(0).channel().close();
    admitted.get(0).handler().awaitClosed();
    Await.until("the server saw two connections close (open: " + server.stats().openConnections() + ")",
        () -> server.stats().openConnections() == CAP - 1);
    Raw again = connect("user-again");
    assertThat(again.ack().getCode()).as("a connection once one closed").isZero();
    assertThat(server.sessionCount()).isEqualTo(CAP);
    assertThat(admitted.get(1).handler().isClosed()).as("the others stay up").isFalse();
  }

  @Test
  void theServerWideCapRefusesTheNextConnectionWith31003UntilOneCloses() throws Exception {
    capIsKeptAndFreedAgain(b -> b.maxConnections(CAP), "the server holds its maximum of " + CAP);
  }

  @Test
  void thePerAddressCapRefusesTheNextConnectionFromTheAddressWith31003UntilOneCloses() throws Exception {
    capIsKeptAndFreedAgain(b -> b.maxConnectionsPerAddress(CAP), "from this address: at most " + CAP);
  }

  @Test
  void theCapsAreCheckedWhenBuilding() {
    ImServer.Builder b = ImServer.builder();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.maxConnections(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnections");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.maxConnectionsPerAddress(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConnectionsPerAddress");
  }
}
