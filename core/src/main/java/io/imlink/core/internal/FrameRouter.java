package io.imlink.core.internal;

import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.Frame;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Routes the server's frames to the part of the engine that owns their body, and tells the parts
 * that work on a live connection when one comes up and goes down. A feature (messaging, and later
 * receipts or groups) registers here while the engine is built; none of them edits the connection
 * code. Each body has one owner.
 *
 * <p>The rule of the handshake lives here: until a link's ConnectAck accepted it, only {@code
 * CONNECT_ACK} and {@code DISCONNECT} mean anything on it, and every other body is dropped. Bodies
 * that no part owns are ignored (forward compatibility: a newer server's additions).
 *
 * <p>Thread: the engine's loop, except registration, which happens while the engine is built.
 */
@Singleton
final class FrameRouter {
  /** Told of live connections, on the loop. */
  interface LinkListener {
    /** {@code link} is established; {@code ack} is the server's ConnectAck. */
    void linkUp(Link link, ConnectAck ack);

    /** The established {@code link} is gone; nothing more is written to it. */
    void linkDown(Link link);
  }

  private final EngineLoop loop;
  private final Map<Frame.BodyCase, BiConsumer<Link, Frame>> owners = new EnumMap<>(Frame.BodyCase.class);
  private final List<LinkListener> linkListeners = new ArrayList<>();

  @Inject
  FrameRouter(EngineLoop loop) {
    this.loop = loop;
  }

  /** Makes {@code handler} the owner of frames with {@code body}. */
  void on(Frame.BodyCase body, BiConsumer<Link, Frame> handler) {
    if (owners.putIfAbsent(body, handler) != null) {
      throw new IllegalStateException(body + " frames already have an owner");
    }
  }

  void onLink(LinkListener l) {
    linkListeners.add(l);
  }

  /** Hands {@code frame}, read from the engine's current {@code link}, to its owner. */
  void route(Link link, Frame frame) {
    loop.check();
    Frame.BodyCase body = frame.getBodyCase();
    if (!link.isEstablished() && body != Frame.BodyCase.CONNECT_ACK && body != Frame.BodyCase.DISCONNECT) {
      return;
    }
    BiConsumer<Link, Frame> owner = owners.get(body);
    if (owner != null) {
      owner.accept(link, frame);
    }
  }

  void linkUp(Link link, ConnectAck ack) {
    loop.check();
    for (LinkListener l : linkListeners) {
      l.linkUp(link, ack);
    }
  }

  void linkDown(Link link) {
    loop.check();
    for (LinkListener l : linkListeners) {
      l.linkDown(link);
    }
  }
}
