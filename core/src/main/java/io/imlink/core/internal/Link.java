package io.imlink.core.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.imlink.api.ErrorCode;
import io.imlink.api.Limits;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.Frame;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt at one server, and the live connection it becomes: the transport's connect, the
 * channel, the ConnectAck timer, whether the server accepted it, its heartbeat, and the reason the
 * server gave for ending it. Made for every attempt, abandoned when it ends; never reused.
 *
 * <p>Thread: transport events ({@link FrameHandler}) arrive on I/O threads and are handed to the
 * loop, where they reach its {@link Owner} only while it is the owner's current link (late events
 * of an abandoned link are dropped). Everything else runs on the loop, which {@link #send} asserts.
 */
final class Link implements FrameHandler, FrameSink {
  private static final Logger log = LoggerFactory.getLogger(Link.class);

  /** What owns the links: the connection work. Called on the loop, for its current link only. */
  interface Owner {
    boolean isCurrent(Link link);

    void onFrame(Link link, Frame frame);

    /** The channel closed; {@code cause} is null for an orderly close. */
    void onClosed(Link link, Throwable cause);

    /** The link cannot go on: a frame that does not decode, or one that cannot be written. */
    void failed(Link link, int code);
  }

  final URI server;
  final int serverIndex;
  private final Owner owner;
  private final EngineLoop loop;
  private CompletableFuture<FrameChannel> connecting;
  private FrameChannel channel;
  private ScheduledFuture<?> ackTimer;
  private boolean established;
  private Heartbeat heartbeat;
  /** The reason the server gave (a Disconnect frame, or a frame too large), reported when the channel closes. */
  int disconnectCode;
  /** The largest frame the server accepts, as its ConnectAck announced (until then, the protocol's). */
  private int serverMaxFrame = Limits.MAX_FRAME_BYTES;

  Link(URI server, int serverIndex, Owner owner, EngineLoop loop) {
    this.server = server;
    this.serverIndex = serverIndex;
    this.owner = owner;
    this.loop = loop;
  }

  // FrameHandler: on an I/O thread; everything is handed to the loop.
  @Override
  public void onFrame(FrameChannel ch, byte[] bytes) {
    loop.post(() -> {
      if (!owner.isCurrent(this)) {
        return;
      }
      Frame frame;
      try {
        frame = Frames.decode(bytes);
      } catch (InvalidProtocolBufferException e) {
        log.warn("undecodable frame from {}; dropping the connection", server);
        owner.failed(this, ErrorCode.CHANNEL_INVALID.code());
        return;
      }
      owner.onFrame(this, frame);
    });
  }

  @Override
  public void onClosed(FrameChannel ch, Throwable cause) {
    loop.post(() -> {
      if (owner.isCurrent(this)) {
        channel = null;
        owner.onClosed(this, cause);
      }
    });
  }

  /** The transport connect under way; its result is the owner's to handle. */
  void connecting(CompletableFuture<FrameChannel> f) {
    connecting = f;
  }

  /** The transport connected: the handshake goes over {@code ch}; {@code ackTimer} bounds it. */
  void opened(FrameChannel ch) {
    loop.check();
    connecting = null;
    channel = ch;
  }

  void ackTimer(ScheduledFuture<?> timer) {
    ackTimer = timer;
  }

  boolean isEstablished() {
    return established;
  }

  /** The server accepted the link; frames larger than {@code maxFrameBytes} (if positive) are not written. */
  void established(int maxFrameBytes, Heartbeat beat) {
    loop.check();
    cancelAckTimer();
    established = true;
    if (maxFrameBytes > 0) {
      serverMaxFrame = maxFrameBytes;
    }
    heartbeat = beat;
  }

  /** Stops waiting for the ConnectAck (it came, or the attempt ends). */
  void cancelAckTimer() {
    if (ackTimer != null) {
      ackTimer.cancel(false);
      ackTimer = null;
    }
  }

  Heartbeat heartbeat() {
    return heartbeat;
  }

  /** The heartbeat declared the link dead and has stopped. */
  void heartbeatStopped() {
    heartbeat = null;
  }

  boolean hasChannel() {
    return channel != null;
  }

  /**
   * Writes a frame on this link's channel. One over the server's limit closes the channel now (so
   * no later frame goes out in its place) and is reported as the link lost with 30014.
   */
  @Override
  public boolean send(Frame frame) {
    loop.check();
    if (channel == null) {
      return false;
    }
    try {
      return Frames.send(channel, frame, serverMaxFrame);
    } catch (FrameTooLargeException e) {
      log.error("cannot write a {} frame to {} ({}); dropping the connection", frame.getBodyCase(), server,
          e.getMessage());
      disconnectCode = ErrorCode.MSG_SEND_FAIL.code();
      channel.close();
      return false;
    }
  }

  /** Ends this link: whatever it opened is closed and its timers are cancelled. Idempotent. */
  void abandon() {
    loop.check();
    cancelAckTimer();
    if (heartbeat != null) {
      heartbeat.stop();
      heartbeat = null;
    }
    if (connecting != null) {
      connecting.cancel(false);
      connecting = null;
    }
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }

  @Override
  public String toString() {
    return server.toString();
  }
}
