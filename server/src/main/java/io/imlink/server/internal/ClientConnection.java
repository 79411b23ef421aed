package io.imlink.server.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.imlink.api.ErrorCode;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Deliver;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.protocol.v1.Publish;
import io.imlink.protocol.v1.PublishAck;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Pong;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
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
final class ClientConnection implements FrameHandler, ServerSession.LiveDelivery {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

  private final ServerContext ctx;
  private final FrameChannel channel;
  private final ScheduledFuture<?> authTimer;
  private volatile ServerSession session;
  private volatile long lastActivityMs;
  private volatile ScheduledFuture<?> idleTimer;
  /** Guards the order of Deliver frames: sync batches, then live pushes. */
  private final Object deliveryLock = new Object();
  private boolean live; // guarded by deliveryLock: the session has synced; new messages are pushed
  private long lastSentSeq; // guarded by deliveryLock

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
      case PUBLISH -> {
        if (s == null) {
          ch.close();
        } else {
          publish(s, frame.getPublish());
        }
      }
      case SYNC_REQUEST -> {
        if (s == null) {
          ch.close();
        } else {
          long after = frame.getSyncRequest().getAfterSeq();
          int limit = frame.getSyncRequest().getLimit();
          ctx.syncExecutor().execute(() -> sync(s, after, limit));
        }
      }
      case DELIVER_ACK -> {
        if (s == null) {
          ch.close();
        } else {
          ctx.inbox().ack(s.user().appKey(), s.user().userId(), s.deviceId(), frame.getDeliverAck().getUpToSeq());
        }
      }
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
    if (ctx.closing().get()) {
      refuse(ErrorCode.CONN_SERVER_UNAVAILABLE.code(), "server shutting down");
      return;
    }
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
        now, firstLogin, this);
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

  // ---- messaging -------------------------------------------------------------------------------

  static final int MAX_CONTENT_BYTES = 128 * 1024;
  static final int SYNC_BATCH = 200;

  private void publish(ServerSession s, Publish p) {
    int code = 0;
    if (p.getClientMessageId().isEmpty() || p.getClientMessageId().length() > 64
        || p.getToUserId().isEmpty() || p.getToUserId().getBytes(StandardCharsets.UTF_8).length > 64
        || p.getObjectName().isEmpty() || p.getObjectName().length() > 64) {
      code = ErrorCode.INVALID_PARAMETER.code();
    } else if (p.getContent().getBytes(StandardCharsets.UTF_8).length > MAX_CONTENT_BYTES) {
      code = ErrorCode.MSG_SIZE_OUT_OF_LIMIT.code();
    }
    if (code != 0) {
      ack(PublishAck.newBuilder().setClientMessageId(p.getClientMessageId()).setCode(code));
      return;
    }
    String appKey = s.user().appKey();
    ctx.inbox().publish(appKey, s.user().userId(), List.of(p.getToUserId()), p.getObjectName(), p.getContent(),
            p.getClientMessageId(), ctx.clock().millis())
        .whenComplete((published, error) -> {
          if (error != null) {
            log.warn("{}: storing a message failed", channel, error);
            ack(PublishAck.newBuilder().setClientMessageId(p.getClientMessageId()).setCode(ErrorCode.MSG_SEND_FAIL.code()));
            return;
          }
          ack(PublishAck.newBuilder().setClientMessageId(p.getClientMessageId()).setCode(0)
              .setMessageId(published.messageId()).setServerTimeMs(published.serverTime()).setOrder(published.order()));
          if (!published.duplicate()) {
            ctx.stats().messagesPublished.incrementAndGet();
            ctx.deliverLive(published, appKey);
          }
        });
  }

  private void ack(PublishAck.Builder ack) {
    channel.send(Frames.encode(Frame.newBuilder().setPublishAck(ack).build()));
  }

  /** Answers a sync with one batch; the last batch of a sync makes the session live. */
  private void sync(ServerSession s, long after, int limit) {
    int batch = limit <= 0 ? SYNC_BATCH : Math.min(limit, SYNC_BATCH);
    String appKey = s.user().appKey();
    String user = s.user().userId();
    try {
      Inbox.Page page = ctx.inbox().fetch(appKey, user, after, batch);
      synchronized (deliveryLock) {
        send(page, true);
        lastSentSeq = Math.max(lastSentSeq, lastSeq(page, after));
        if (page.left() > 0 || live) {
          return;
        }
        // Anything stored since the fetch goes out now, before the session turns live; what is
        // stored after this is pushed live (a message seen by both is dropped by the client).
        Inbox.Page extra = ctx.inbox().fetch(appKey, user, lastSentSeq, SYNC_BATCH);
        while (!extra.messages().isEmpty()) {
          send(extra, false);
          lastSentSeq = lastSeq(extra, lastSentSeq);
          extra = ctx.inbox().fetch(appKey, user, lastSentSeq, SYNC_BATCH);
        }
        live = true;
      }
    } catch (IOException e) {
      log.warn("{}: sync failed; closing", channel, e);
      channel.close();
    }
  }

  private static long lastSeq(Inbox.Page page, long otherwise) {
    return page.messages().isEmpty() ? otherwise : page.messages().get(page.messages().size() - 1).getSeq();
  }

  private void send(Inbox.Page page, boolean offline) {
    channel.send(Frames.encode(Frame.newBuilder().setDeliver(Deliver.newBuilder()
        .addAllMessages(page.messages()).setLeft(offline ? page.left() : 0).setOffline(offline)).build()));
  }

  @Override
  public void push(DeliveredMessage message) {
    synchronized (deliveryLock) {
      if (!live || message.getSeq() <= lastSentSeq) {
        return; // not synced yet (the sync will send it), or already sent by the sync
      }
      lastSentSeq = message.getSeq();
      channel.send(Frames.encode(Frame.newBuilder()
          .setDeliver(Deliver.newBuilder().addMessages(message).setLeft(0).setOffline(false)).build()));
    }
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
