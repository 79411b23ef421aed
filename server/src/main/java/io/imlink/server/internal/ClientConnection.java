package io.imlink.server.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.imlink.api.ErrorCode;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Pong;
import java.util.HexFormat;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one connection: waits for a {@code ConnectRequest} (closing the connection if
 * none arrives within the auth timeout), authenticates it, then answers pings until the session
 * ends.
 *
 * <p>Thread: every method runs on the transport's I/O thread for this connection (the auth timer on
 * the server's scheduler); nothing here blocks — connect checks read only in-memory state.
 */
final class ClientConnection implements FrameHandler {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

  private final ServerContext ctx;
  private final FrameChannel channel;
  private final ScheduledFuture<?> authTimer;
  private volatile ServerSession session;

  ClientConnection(ServerContext ctx, FrameChannel channel) {
    this.ctx = ctx;
    this.channel = channel;
    ctx.stats().connectionsAccepted.incrementAndGet();
    this.authTimer =
        ctx.scheduler().schedule(this::authTimedOut, ctx.authTimeout().toNanos(), TimeUnit.NANOSECONDS);
  }

  private void authTimedOut() {
    if (session == null && channel.isOpen()) {
      log.debug("{}: no ConnectRequest within {}; closing", channel, ctx.authTimeout());
      channel.close();
    }
  }

  @Override
  public void onFrame(FrameChannel ch, byte[] bytes) {
    Frame frame;
    try {
      frame = Frames.decode(bytes);
    } catch (InvalidProtocolBufferException e) {
      log.debug("{}: undecodable frame; closing", ch);
      ch.close();
      return;
    }
    ServerSession s = session;
    switch (frame.getBodyCase()) {
      case CONNECT_REQUEST -> {
        if (s != null) {
          ch.close(); // a second ConnectRequest is a protocol violation
        } else {
          connect(frame.getConnectRequest());
        }
      }
      case PING -> {
        if (s == null) {
          ch.close();
        } else {
          ch.send(Frames.encode(Frame.newBuilder()
              .setPong(Pong.newBuilder().setId(frame.getPing().getId()).setTimeMs(ctx.clock().millis()))
              .build()));
        }
      }
      case DISCONNECT -> ch.close();
      default -> {
        if (s == null) {
          ch.close(); // nothing but ConnectRequest before authentication
        }
        // After authentication, bodies this server does not know are ignored (forward compatibility).
      }
    }
  }

  private void connect(ConnectRequest request) {
    ctx.stats().connectRequests.incrementAndGet();
    if (request.getProtocolVersion() != Frames.PROTOCOL_VERSION) {
      refuse(ErrorCode.CONN_PROTO_VERSION_ERROR.code(), "protocol version " + request.getProtocolVersion()
          + " is not supported; this server speaks " + Frames.PROTOCOL_VERSION);
      return;
    }
    TokenService.Check check = ctx.tokens().check(request.getAppKey(), request.getToken());
    if (check.code() != 0) {
      refuse(check.code(), check.reason());
      return;
    }
    UserKey user = new UserKey(request.getAppKey(), check.userId());
    long now = ctx.clock().millis();
    if (ctx.state().isBlocked(user, now)) {
      refuse(ErrorCode.CONN_USER_BLOCKED.code(), "user is blocked");
      return;
    }
    ServerSession s = new ServerSession(newSessionId(), user, request.getDeviceClass(), request.getDeviceId(), channel, now);
    ctx.sessions().add(s);
    // A block may have landed between the check and the registration; the blocker only sees
    // registered sessions, so check again now that this one is visible.
    if (ctx.state().isBlocked(user, ctx.clock().millis())) {
      ctx.sessions().remove(s);
      refuse(ErrorCode.CONN_USER_BLOCKED.code(), "user is blocked");
      return;
    }
    session = s;
    authTimer.cancel(false);
    ctx.stats().sessionsAccepted.incrementAndGet();
    channel.send(Frames.encode(Frame.newBuilder()
        .setConnectAck(ConnectAck.newBuilder()
            .setCode(0)
            .setUserId(user.userId())
            .setSessionId(s.id())
            .setServerTimeMs(now)
            .setHeartbeatIntervalMs((int) ctx.heartbeatInterval().toMillis()))
        .build()));
    log.debug("{}: session {} for {}", channel, s.id(), user);
  }

  private void refuse(int code, String reason) {
    ctx.stats().connectsRefused.incrementAndGet();
    log.debug("{}: connect refused with {}: {}", channel, code, reason);
    channel.send(Frames.encode(Frame.newBuilder()
        .setConnectAck(ConnectAck.newBuilder().setCode(code).setReason(reason).setServerTimeMs(ctx.clock().millis()))
        .build()));
    channel.close();
  }

  private String newSessionId() {
    byte[] id = new byte[16];
    ctx.random().nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  @Override
  public void onClosed(FrameChannel ch, Throwable cause) {
    authTimer.cancel(false);
    ServerSession s = session;
    if (s != null) {
      ctx.sessions().remove(s);
    }
    if (cause != null) {
      log.debug("{}: closed by {}", ch, cause.toString());
    }
  }
}
