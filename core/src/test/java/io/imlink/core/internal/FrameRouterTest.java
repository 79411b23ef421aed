package io.imlink.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.Deliver;
import io.imlink.protocol.v1.Disconnect;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Pong;
import io.imlink.protocol.v1.PublishAck;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Routing by body, the handshake rule, one owner per body, link events. */
class FrameRouterTest {
  private final LoopFixture fixture = new LoopFixture();
  private final FrameRouter router = new FrameRouter(fixture.loop);
  private final List<String> seen = new ArrayList<>();
  private final Link link = new Link(URI.create("tcp://127.0.0.1:1"), 0, new Link.Owner() {
    @Override
    public boolean isCurrent(Link l) {
      return true;
    }

    @Override
    public void onFrame(Link l, Frame frame) {}

    @Override
    public void onClosed(Link l, Throwable cause) {}

    @Override
    public void failed(Link l, int code) {}
  }, fixture.loop);

  @AfterEach
  void close() {
    fixture.close();
  }

  private static final Frame ACK = Frame.newBuilder().setConnectAck(ConnectAck.getDefaultInstance()).build();
  private static final Frame BYE = Frame.newBuilder().setDisconnect(Disconnect.getDefaultInstance()).build();
  private static final Frame PONG = Frame.newBuilder().setPong(Pong.getDefaultInstance()).build();
  private static final Frame PUBACK = Frame.newBuilder().setPublishAck(PublishAck.getDefaultInstance()).build();
  private static final Frame DELIVER = Frame.newBuilder().setDeliver(Deliver.getDefaultInstance()).build();
  private static final Frame EMPTY = Frame.getDefaultInstance(); // a body this version does not know

  @Test
  void beforeTheAckOnlyTheHandshakeBodiesReachTheirOwners() {
    for (Frame.BodyCase body : List.of(Frame.BodyCase.CONNECT_ACK, Frame.BodyCase.DISCONNECT, Frame.BodyCase.PONG,
        Frame.BodyCase.PUBLISH_ACK, Frame.BodyCase.DELIVER)) {
      router.on(body, (l, f) -> seen.add(f.getBodyCase().name()));
    }
    fixture.run(() -> {
      for (Frame f : List.of(PONG, PUBACK, DELIVER, ACK, BYE, EMPTY)) {
        router.route(link, f);
      }
    });
    assertThat(seen).containsExactly("CONNECT_ACK", "DISCONNECT");

    seen.clear();
    fixture.run(() -> {
      link.established(0, null);
      for (Frame f : List.of(PONG, PUBACK, DELIVER, EMPTY)) {
        router.route(link, f);
      }
    });
    assertThat(seen).containsExactly("PONG", "PUBLISH_ACK", "DELIVER");
  }

  @Test
  void aBodyHasOneOwner() {
    router.on(Frame.BodyCase.DELIVER, (l, f) -> {});
    assertThatThrownBy(() -> router.on(Frame.BodyCase.DELIVER, (l, f) -> {}))
        .isInstanceOf(IllegalStateException.class).hasMessage("DELIVER frames already have an owner");
  }

  @Test
  void linkListenersHearUpAndDownInOrder() {
    for (String name : List.of("a", "b")) {
      router.onLink(new FrameRouter.LinkListener() {
        @Override
        public void linkUp(Link l, ConnectAck ack) {
          seen.add(name + " up");
        }

        @Override
        public void linkDown(Link l) {
          seen.add(name + " down");
        }
      });
    }
    fixture.run(() -> {
      router.linkUp(link, ConnectAck.getDefaultInstance());
      router.linkDown(link);
    });
    assertThat(seen).containsExactly("a up", "b up", "a down", "b down");
    assertThatThrownBy(() -> router.route(link, ACK)).hasMessageStartingWith("not on the engine's loop");
  }
}
