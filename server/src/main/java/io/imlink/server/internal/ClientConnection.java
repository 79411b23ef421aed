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
  private volatile long lastActivityMs;
  private volatile ScheduledFuture<?> idleTimer;

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

  /** Closes a session that stayed silent for longer than the idle limit; otherwise checks again later. */
  private void idleCheck() {
    ServerSession s = session;
    if (s == null || !channel.isOpen()) {
      return;
    }
    long silentMs = ctx.clock().millis() - lastActivityMs;
    long limitMs = ctx.idleTimeout().toMillis();
    if (silentMs >= limitMs) {
      log.debug("{}: silent for {} ms; closing", channel, silentMs);
      s.disconnect(ErrorCode.PONG_RECV_FAIL.code(), "idle for " + silentMs + " ms");
      return;
    }
    idleTimer = ctx.scheduler().schedule(this::idleCheck, limitMs - silentMs, TimeUnit.MILLISECONDS);
  }

  @Override
  public void onFrame(FrameChannel ch, byte[] bytes) {
    lastActivityMs = ctx.clock().millis();
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
    long waitMs = ctx.limiter().acquire(channel.remoteAddress());
    if (waitMs > 0) {
      refuse(ErrorCode.CONNECT_OVER_FREQUENCY.code(), "too many connect attempts from this address", waitMs);
      return;
    }
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
    boolean reconnect = request.getReconnect();
    long firstLogin = reconnect && request.getFirstLoginTimeMs() > 0 ? request.getFirstLoginTimeMs() : now;
    ServerSession s = new ServerSession(newSessionId(), user, request.getDeviceClass(), request.getDeviceId(), channel,
        now, firstLogin);
    SessionRegistry.Admission admission = ctx.sessions().admit(s, reconnect);
    if (!admission.accepted()) {
      refuse(admission.refusal(), "a device of the same class logged in after this one; it is not kicked");
      return;
    }
    // A block may have landed between the check and the registration; the blocker only sees
    // registered sessions, so check again now that this one is visible.
    if (ctx.state().isBlocked(user, ctx.clock().millis())) {
      ctx.sessions().remove(s);
      refuse(ErrorCode.CONN_USER_BLOCKED.code(), "user is blocked");
      return;
    }
    for (ServerSession old : admission.kicked()) {
      log.debug("{}: kicked by a newer login of the same device class", old.channel());
      old.disconnect(ErrorCode.DISCONN_KICK.code(), "another device of the same class logged in");
    }
    for (ServerSession stale : admission.replaced()) {
      stale.channel().close(); // the same installation's previous connection
    }
    session = s;
    authTimer.cancel(false);
    idleTimer = ctx.scheduler().schedule(this::idleCheck, ctx.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
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
    refuse(code, reason, 0);
  }

  private void refuse(int code, String reason, long retryAfterMs) {
    ctx.stats().connectsRefused.incrementAndGet();
    if (code == ErrorCode.CONNECT_OVER_FREQUENCY.code()) {
      ctx.stats().connectsThrottled.incrementAndGet();
    }
    log.debug("{}: connect refused with {}: {}", channel, code, reason);
    channel.send(Frames.encode(Frame.newBuilder()
        .setConnectAck(ConnectAck.newBuilder().setCode(code).setReason(reason).setServerTimeMs(ctx.clock().millis())
            .setRetryAfterMs((int) Math.min(Integer.MAX_VALUE, retryAfterMs)))
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
    ScheduledFuture<?> idle = idleTimer;
    if (idle != null) {
      idle.cancel(false);
    }
    ServerSession s = session;
    if (s != null) {
      ctx.sessions().remove(s);
    }
    if (cause != null) {
      log.debug("{}: closed by {}", ch, cause.toString());
    }
  }
}
