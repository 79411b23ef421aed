package io.imlink.server.internal;

import io.imlink.server.spi.InboxStore;
import io.imlink.server.spi.SessionEntry;
import io.imlink.server.spi.SessionPolicy;
import io.imlink.protocol.DeliverPages;
import com.google.protobuf.InvalidProtocolBufferException;
import io.imlink.api.ErrorCode;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.api.spi.WriteBudget;
import io.imlink.protocol.Frames;
import io.imlink.api.Limits;
import io.imlink.protocol.internal.SerializingExecutor;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Pong;
import io.imlink.protocol.v1.Publish;
import io.imlink.protocol.v1.PublishAck;
import io.imlink.protocol.v1.SyncRequest;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one connection, as a serial actor: waits for a {@code ConnectRequest} (closing
 * the connection if none arrives within the auth timeout), authenticates it, then serves pings,
 * publishes, syncs and live deliveries until the session ends.
 *
 * <p>Threads: all of the connection's state lives in its serial executor (its <em>actor</em>), and
 * every event and completion comes back to it: frames and the close from the transport's I/O
 * thread, live pushes and publish completions from the store's thread, timers, inbox reads. The
 * actor runs a task on the thread that hands it over when the actor is idle (no thread switch), and
 * on the server's worker pool otherwise; so nothing on the actor ever blocks: inbox reads run on the
 * server's sync pool, one at a time per connection, and no lock is shared with other sessions.
 *
 * <p>Delivery order: a session gets its sync pages, then — once a page says nothing is left — a
 * last read of what arrived meanwhile, and only then live pushes. Pushes that arrive before that are
 * held (bounded; beyond the bound they are dropped and read from the inbox again), so a message
 * stored while the sync reads is never missed.
 */
final class ClientConnection implements FrameHandler, ServerSession.LiveDelivery {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
  /** The most actor tasks a caller's thread runs before the rest moves to the worker pool. */
  private static final int MAX_INLINE = 64;
  /** Live pushes held while a session syncs; beyond this they are read from the inbox instead. */
  static final int MAX_HELD = 1_000;

  private final ServerContext ctx;
  private final FrameChannel channel;
  private final SerializingExecutor actor;
  private final SerializingExecutor reads; // this connection's inbox reads, in order, on the sync pool
  private final ScheduledFuture<?> authTimer;
  private volatile long lastActivityMs;
  private final SocketAddress remote; // as counted by the connection caps
  /** Why the connection caps refuse this connection's ConnectRequest; null if they do not. */
  private final String overCapacity;

  // Actor-confined.
  private ServerSession session;
  private ScheduledFuture<?> idleTimer;
  private boolean closed;
  private boolean admitting; // a ConnectRequest waits for the cluster's decision
  private long checkedEpoch; // the cluster's membership epoch this session last read the inbox at
  /** The session has synced: new messages are pushed as they are stored. */
  private boolean live;
  /** The read of what arrived during the sync is running; pushes are held until it is done. */
  private boolean catchingUp;
  /** The highest inbox sequence sent to the client. */
  private long lastSentSeq;
  /** Pushes that came before the session turned live, by sequence. */
  private final TreeMap<Long, DeliveredMessage> held = new TreeMap<>();
  /** More pushes came than {@link #MAX_HELD}: they are read from the inbox instead. */
  private boolean heldOverflow;
  /** Live pushes gathered for the next Deliver frame(s), or held back while the transport writes. */
  private List<DeliveredMessage> outgoing = new ArrayList<>();
  /** The encoded bytes of {@link #outgoing}. */
  private long outgoingBytes;
  /** A {@link #flushLive} is queued on the actor or armed on the timer. */
  private boolean flushPending;
  /** How soon a flush held back by a busy transport looks again (also woken by writability). */
  static final java.time.Duration HELD_BACK_RECHECK = java.time.Duration.ofMillis(5);
  /**
   * How long a peer may read nothing at all while the server has more for it than the transport
   * may hold: then it is stalled, not slow, and what is due is written regardless, so that the
   * write budget decides (docs/protocol.md §4.8).
   */
  static final java.time.Duration STALL_LIMIT = java.time.Duration.ofSeconds(5);
  /** The highest inbox sequence actually handed to the transport. */
  private long lastWrittenSeq;
  /** The peer read nothing for {@link #STALL_LIMIT}: what is due is written without waiting. */
  private boolean forcing;
  /** When the transport last made progress while the connection waited for it (clock millis), or -1. */
  private long waitingSinceMs = -1;
  /** The transport's pending bytes at the last look while waiting. */
  private long waitingPending;

  ClientConnection(ServerContext ctx, FrameChannel channel) {
    this.ctx = ctx;
    this.channel = channel;
    this.actor = new SerializingExecutor(ctx.workers(), "connection " + channel);
    this.reads = new SerializingExecutor(ctx.syncExecutor(), "inbox reads of " + channel);
    ctx.stats().connectionsAccepted.incrementAndGet();
    this.remote = channel.remoteAddress();
    this.overCapacity = ctx.caps().opened(remote);
    this.authTimer = ctx.scheduler().schedule(() -> actor.execute(this::authTimedOut), ctx.authTimeout().toNanos(),
        TimeUnit.NANOSECONDS);
  }

  /** Throws unless the caller runs on this connection's actor: the state here is confined to it. */
  private void checkOnActor() {
    if (!actor.isCurrentThreadRunning()) {
      throw new IllegalStateException("not on the actor of " + channel + ": " + Thread.currentThread().getName());
    }
  }

  // ---- the transport's events (I/O thread) and the router's pushes (store thread) ---------------

  @Override
  public void onFrame(FrameChannel ch, byte[] bytes) {
    lastActivityMs = ctx.clock().millis();
    actor.executeInline(() -> handle(bytes), MAX_INLINE);
  }

  @Override
  public void onClosed(FrameChannel ch, Throwable cause) {
    actor.executeInline(() -> closed(cause), MAX_INLINE);
  }

  /** The transport has written what it held: live pushes held back go out. */
  @Override
  public void onWritabilityChanged(FrameChannel ch, boolean writable) {
    if (writable) {
      actor.executeInline(() -> {
        if (!closed && !outgoing.isEmpty()) {
          flushLive();
        }
      }, MAX_INLINE);
    }
  }

  @Override
  public void push(DeliveredMessage message) {
    actor.executeInline(() -> onPush(message), MAX_INLINE);
  }

  // ---- on the actor ----------------------------------------------------------------------------

  private void handle(byte[] bytes) {
    checkOnActor();
    if (closed) {
      return;
    }
    Frame frame;
    try {
      frame = Frames.decode(bytes);
    } catch (InvalidProtocolBufferException e) {
      log.debug("{}: undecodable frame; closing", channel);
      channel.close();
      return;
    }
    ServerSession s = session;
    if (s == null && frame.getBodyCase() != Frame.BodyCase.CONNECT_REQUEST) {
      channel.close(); // nothing but ConnectRequest before authentication
      return;
    }
    switch (frame.getBodyCase()) {
      case CONNECT_REQUEST -> {
        if (s != null || admitting) {
          channel.close(); // a second ConnectRequest is a protocol violation
        } else {
          connect(frame.getConnectRequest());
        }
      }
      case PING -> {
        send(Frame.newBuilder()
            .setPong(Pong.newBuilder().setId(frame.getPing().getId()).setTimeMs(ctx.clock().millis())).build());
        long epoch = ctx.cluster().epoch();
        if (epoch != checkedEpoch) { // members came or went since: a notification may be lost with one
          checkedEpoch = epoch;
          recover("the cluster changed");
        }
      }
      case DISCONNECT -> channel.close();
      case PUBLISH -> publish(s, frame.getPublish());
      case SYNC_REQUEST -> sync(frame.getSyncRequest());
      case DELIVER_ACK -> ctx.inbox().ack(s.user().appKey(), s.user().userId(), s.deviceId(),
          frame.getDeliverAck().getUpToSeq());
      default -> {
        // After authentication, bodies this server does not know are ignored (forward compatibility).
      }
    }
  }

  private void authTimedOut() {
    if (session == null && !closed && channel.isOpen()) {
      log.debug("{}: no ConnectRequest within {}; closing", channel, ctx.authTimeout());
      channel.close();
    }
  }

  /** Closes a session that stayed silent for longer than the idle limit; otherwise checks again later. */
  private void idleCheck() {
    ServerSession s = session;
    if (s == null || closed) {
      return;
    }
    long silentMs = ctx.clock().millis() - lastActivityMs;
    long limitMs = ctx.idleTimeout().toMillis();
    if (silentMs >= limitMs) {
      log.debug("{}: silent for {} ms; closing", channel, silentMs);
      s.disconnect(ErrorCode.PONG_RECV_FAIL.code(), "idle for " + silentMs + " ms");
      return;
    }
    idleTimer = ctx.scheduler().schedule(() -> actor.execute(this::idleCheck), limitMs - silentMs, TimeUnit.MILLISECONDS);
  }

  private void connect(ConnectRequest request) {
    ctx.stats().connectRequests.incrementAndGet();
    if (ctx.closing().get()) {
      refuse(ErrorCode.CONN_SERVER_UNAVAILABLE.code(), "server shutting down");
      return;
    }
    if (overCapacity != null) {
      ctx.stats().connectsOverCapacity.incrementAndGet();
      refuse(ConnectionCaps.REFUSAL_CODE, overCapacity);
      return;
    }
    long waitMs = ctx.limiter().acquire(channel.remoteAddress());
    if (waitMs > 0) {
      refuse(ErrorCode.CONNECT_OVER_FREQUENCY.code(), "too many connect attempts from this address", waitMs);
      return;
    }
    int version = Frames.negotiate(request.getMinProtocolVersion(), request.getProtocolVersion());
    if (version == 0) {
      refuse(ErrorCode.CONN_PROTO_VERSION_ERROR.code(), "the client speaks protocol versions "
          + (request.getMinProtocolVersion() == 0 ? "" : request.getMinProtocolVersion() + " to ")
          + request.getProtocolVersion() + "; this server speaks " + Frames.MIN_PROTOCOL_VERSION + " to "
          + Frames.PROTOCOL_VERSION);
      return;
    }
    if (!Frames.isWellFormed(request)) {
      refuse(ErrorCode.CONN_ID_REJECT.code(), "app key, device id or token over the protocol's limits");
      return;
    }
    TokenService.Check check = ctx.tokens().check(request.getAppKey(), request.getToken());
    if (check.code() != 0) {
      refuse(check.code(), check.reason());
      return;
    }
    UserKey user = new UserKey(request.getAppKey(), check.userId());
    long now = ctx.clock().millis();
    if (ctx.state().isBlocked(user.appKey(), user.userId(), now)) {
      refuse(ErrorCode.CONN_USER_BLOCKED.code(), "user is blocked");
      return;
    }
    boolean reconnect = request.getReconnect();
    long firstLogin = reconnect && request.getFirstLoginTimeMs() > 0 ? request.getFirstLoginTimeMs() : now;
    ServerSession s = new ServerSession(newSessionId(), user, request.getDeviceClass(), request.getDeviceId(), channel,
        now, firstLogin, this);
    SessionEntry entry = s.entry(ctx.cluster().nodeId());
    checkedEpoch = ctx.cluster().epoch(); // before the sync that reads the inbox
    admitting = true;
    ctx.cluster().admit(user.appKey(), user.userId(), entry, reconnect)
        .whenComplete((decision, error) -> actor.execute(() -> admitted(s, entry, decision, error, version)));
  }

  /** The cluster's decision on a new session: refused, or registered and its ConnectAck sent. */
  private void admitted(ServerSession s, SessionEntry entry, SessionPolicy.Decision decision, Throwable error,
      int version) {
    checkOnActor();
    admitting = false;
    UserKey user = s.user();
    if (error != null) {
      log.warn("{}: the cluster could not admit a session of {}", channel, user, error);
      refuse(ErrorCode.CONN_SERVER_UNAVAILABLE.code(), "the server cluster is unavailable");
      return;
    }
    if (!decision.accepted()) {
      refuse(decision.refusal(), "a device of the same class logged in after this one; it is not kicked");
      return;
    }
    if (closed) { // the peer left, or the authentication timer ran out, while the cluster decided
      ctx.cluster().leave(user.appKey(), user.userId(), entry);
      return;
    }
    ctx.sessions().add(s);
    // A block may have landed between the check and the registration; the blocker only sees
    // registered sessions, so check again now that this one is visible.
    if (ctx.state().isBlocked(user.appKey(), user.userId(), ctx.clock().millis())) {
      ctx.sessions().remove(s);
      ctx.cluster().leave(user.appKey(), user.userId(), entry);
      refuse(ErrorCode.CONN_USER_BLOCKED.code(), "user is blocked");
      return;
    }
    for (SessionEntry old : decision.kicked()) {
      displace(old, "another device of the same class logged in");
    }
    for (SessionEntry stale : decision.replaced()) { // the same installation's previous connection
      displace(stale, "replaced by a newer connection of the same device");
    }
    long now = ctx.clock().millis();
    session = s;
    authTimer.cancel(false);
    idleTimer = ctx.scheduler().schedule(() -> actor.execute(this::idleCheck), ctx.idleTimeout().toMillis(),
        TimeUnit.MILLISECONDS);
    ctx.stats().sessionsAccepted.incrementAndGet();
    send(Frame.newBuilder()
        .setConnectAck(ConnectAck.newBuilder()
            .setCode(0)
            .setUserId(user.userId())
            .setSessionId(s.id())
            .setServerTimeMs(now)
            .setHeartbeatIntervalMs((int) ctx.heartbeatInterval().toMillis())
            .setProtocolVersion(version)
            .setMaxFrameBytes(maxFrameBytes())
            .setServerMinProtocolVersion(Frames.MIN_PROTOCOL_VERSION)
            .setServerMaxProtocolVersion(Frames.PROTOCOL_VERSION))
        .build());
    log.debug("{}: session {} for {}", channel, s.id(), user);
  }

  /** Closes a session the cluster displaced for this one (31010): here, or through its node. */
  private void displace(SessionEntry old, String reason) {
    if (old.nodeId().equals(ctx.cluster().nodeId())) {
      ServerSession local = ctx.sessions().byId(old.sessionId());
      if (local != null) {
        log.debug("{}: {}", local.channel(), reason);
        local.disconnect(ErrorCode.DISCONN_KICK.code(), reason);
      }
    } else {
      ctx.cluster().disconnect(old, ErrorCode.DISCONN_KICK.code(), reason);
    }
  }

  // ---- publishing ------------------------------------------------------------------------------

  private void publish(ServerSession s, Publish p) {
    ctx.router().publish(s.user().appKey(), s.user().userId(), List.of(p.getToUserId()), p.getObjectName(),
            p.getContent(), p.getClientMessageId())
        .whenComplete((published, error) -> actor.executeInline(() -> published(p, published, error), MAX_INLINE));
  }

  private void published(Publish p, InboxStore.Published published, Throwable error) {
    checkOnActor();
    PublishAck.Builder ack = PublishAck.newBuilder().setClientMessageId(p.getClientMessageId());
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof MessageRouter.Refused refused) {
      ack.setCode(refused.code());
    } else if (cause != null) {
      log.warn("{}: storing a message failed", channel, cause);
      ack.setCode(ErrorCode.MSG_SEND_FAIL.code());
    } else {
      ack.setCode(0).setMessageId(published.messageId()).setServerTimeMs(published.serverTime())
          .setOrder(published.order());
    }
    if (!closed) {
      send(Frame.newBuilder().setPublishAck(ack).build());
    }
  }

  // ---- delivering ------------------------------------------------------------------------------

  /** Answers a sync request with one page; the last page of a sync leads to going live. */
  private void sync(SyncRequest request) {
    int limit = request.getLimit() <= 0 ? Limits.SYNC_PAGE_SIZE : Math.min(request.getLimit(), Limits.SYNC_PAGE_SIZE);
    long after = request.getAfterSeq();
    readInbox(after, limit, page -> {
      send(DeliverPages.frame(page.messages(), page.left(), true));
      lastSentSeq = Math.max(lastSentSeq, lastSeq(page, after));
      lastWrittenSeq = Math.max(lastWrittenSeq, lastSentSeq);
      if (page.left() == 0 && !live && !catchingUp) {
        catchingUp = true;
        catchUp();
      }
    });
  }

  /**
   * Reads what was stored since the last page sent, until nothing is left; then sends the pushes
   * held meanwhile that the reads did not cover, and turns live.
   */
  private void catchUp() {
    readInbox(lastSentSeq, Limits.SYNC_PAGE_SIZE, page -> {
      if (!page.messages().isEmpty()) {
        send(DeliverPages.frame(page.messages(), 0, false));
        lastSentSeq = lastSeq(page, lastSentSeq);
        lastWrittenSeq = Math.max(lastWrittenSeq, lastSentSeq);
        whenDrained(this::catchUp); // the next page once the peer has read this far
        return;
      }
      if (heldOverflow) { // pushes were dropped: read once more, after all of them
        heldOverflow = false;
        held.clear();
        catchUp();
        return;
      }
      catchingUp = false;
      live = true;
      for (DeliveredMessage m : held.tailMap(lastSentSeq, false).values()) {
        gather(m);
      }
      held.clear();
    });
  }

  /**
   * Reads a page of the inbox on the sync pool (this connection's reads one at a time, in order)
   * and continues on the actor with it. A failed read closes the link with a code.
   */
  private void readInbox(long after, int count, Consumer<InboxStore.Page> then) {
    checkOnActor();
    ServerSession s = session;
    int budget = pageBudget();
    reads.execute(() -> {
      InboxStore.Page page;
      try {
        page = ctx.inbox().fetch(s.user().appKey(), s.user().userId(), after, count, budget);
      } catch (IOException | RuntimeException e) {
        actor.execute(() -> {
          log.warn("{}: reading the inbox failed; closing", channel, e);
          closeWith(ErrorCode.CONN_SERVER_UNAVAILABLE.code(), "the server could not serve the inbox: " + e.getMessage());
        });
        return;
      }
      actor.execute(() -> {
        if (!closed) {
          then.accept(page);
        }
      });
    });
  }

  /**
   * The bytes of messages one Deliver frame may carry.
   */
  private int pageBudget() {
    return DeliverPages.budget(maxFrameBytes());
  }

  /**
   * The largest frame this connection sends and accepts, as announced in ConnectAck: the channel's
   * limit or the protocol's, whichever is smaller (a server that accepts larger frames sends none).
   */
  private int maxFrameBytes() {
    return Math.min(channel.maxFrameSize(), Limits.MAX_FRAME_BYTES);
  }

  private static long lastSeq(InboxStore.Page page, long otherwise) {
    return page.messages().isEmpty() ? otherwise : page.messages().get(page.messages().size() - 1).getSeq();
  }

  private void onPush(DeliveredMessage m) {
    checkOnActor();
    if (closed || m.getSeq() <= lastSentSeq) {
      return; // gone, or already sent by a sync page
    }
    if (live) {
      if (m.getSeq() > lastSentSeq + 1) {
        recover("a push of seq " + m.getSeq() + " after " + lastSentSeq);
        return;
      }
      gather(m);
    } else if (!heldOverflow) {
      held.put(m.getSeq(), m);
      if (held.size() > MAX_HELD) {
        held.clear();
        heldOverflow = true;
      }
    }
  }

  /**
   * A live notification went missing (in a cluster: its node died after storing the message, or
   * the membership changed under it): what is not yet written is dropped, and everything after the
   * last message written is read from the inbox, as after a sync, before the session is live
   * again. The inbox is the source of truth, so the gap costs a read, never a message.
   */
  private void recover(String why) {
    checkOnActor();
    if (!live || closed) {
      return; // a sync or a catch-up is under way: it reads the inbox anyway
    }
    log.debug("{}: {}; reading the inbox from {}", channel, why, lastWrittenSeq);
    readFromInbox();
  }

  /**
   * Drops what is gathered and not yet written, and reads everything after the last message
   * written from the inbox instead (the catch-up that follows a sync, paced by the peer), pushes
   * meanwhile included; the session is live again once it has caught up.
   */
  private void readFromInbox() {
    outgoing.clear();
    outgoingBytes = 0;
    lastSentSeq = lastWrittenSeq;
    live = false;
    catchingUp = true;
    held.clear();
    heldOverflow = true; // pushes meanwhile are read from the inbox too
    whenDrained(this::catchUp);
  }

  /** Adds a live message to the next Deliver frame; a burst of them goes out together. */
  private void gather(DeliveredMessage m) {
    if (!flushPending) {
      flushPending = true;
      actor.execute(this::flushLive);
    }
    outgoing.add(m);
    outgoingBytes += m.getSerializedSize();
    lastSentSeq = m.getSeq();
  }

  /**
   * Sends the gathered live messages in as few frames as the page size and the frame limit allow,
   * as fast as the peer reads them: while the transport holds more than the budget's {@link
   * WriteBudget#pushLimit()}, the rest is held back and sent once it has written more (a writability
   * event, or a look again after {@link #HELD_BACK_RECHECK}). What is held back counts towards the
   * write budget: once the transport's bytes and these would exceed it, they are left in the inbox
   * and read from there as the peer reads ({@link #catchUp}, paced the same way), so memory stays
   * bounded and a slow reader is not dropped. Only a stalled peer ({@link #STALL_LIMIT}) gets what
   * is due regardless, and the transport's budget check (the one place that rule is applied)
   * drops it.
   */
  private void flushLive() {
    checkOnActor();
    flushPending = false;
    if (closed) {
      outgoing.clear();
      outgoingBytes = 0;
      return;
    }
    WriteBudget writeBudget = ctx.budget();
    boolean overBudget = forcing;
    int budget = pageBudget();
    List<DeliveredMessage> page = new ArrayList<>();
    DeliverPages.Room room = new DeliverPages.Room(budget);
    int next = 0; // the first message of outgoing not yet in a page that was sent
    for (int i = 0; i < outgoing.size(); i++) {
      DeliveredMessage m = outgoing.get(i);
      boolean fits = page.size() < Limits.SYNC_PAGE_SIZE && room.take(m);
      if (!fits && !page.isEmpty()) {
        if (!overBudget && channel.pendingBytes() >= writeBudget.pushLimit()) {
          break; // held back: the transport has enough to write for now
        }
        send(DeliverPages.frame(page, 0, false));
        lastWrittenSeq = Math.max(lastWrittenSeq, page.get(page.size() - 1).getSeq());
        next = i;
        page = new ArrayList<>();
        room = new DeliverPages.Room(budget);
        room.take(m); // a message alone over the budget fails at send, which closes the link
      }
      page.add(m);
    }
    if (next + page.size() == outgoing.size() && !page.isEmpty()
        && (overBudget || channel.pendingBytes() < writeBudget.pushLimit())) {
      send(DeliverPages.frame(page, 0, false));
      lastWrittenSeq = Math.max(lastWrittenSeq, page.get(page.size() - 1).getSeq());
      next = outgoing.size();
    }
    if (next == outgoing.size()) {
      outgoing.clear();
      outgoingBytes = 0;
      return;
    }
    List<DeliveredMessage> rest = new ArrayList<>(outgoing.subList(next, outgoing.size()));
    outgoing = rest;
    outgoingBytes = 0;
    for (DeliveredMessage m : rest) {
      outgoingBytes += m.getSerializedSize();
    }
    if (closed) { // a send above dropped the link
      outgoing.clear();
      outgoingBytes = 0;
      return;
    }
    if (writeBudget.admits(channel.pendingBytes() + outgoingBytes)) {
      flushPending = true;
      whenDrained(this::flushLive);
      return;
    }
    // More is due than the transport may hold: leave it in the inbox, and read it from there
    // once the peer has read what the transport holds (the catch-up that follows a sync).
    readFromInbox();
  }

  /**
   * Runs {@code then} on the actor once the transport holds less than the budget's push limit;
   * looks again every {@link #HELD_BACK_RECHECK} (and on writability) until it does. A peer that
   * reads nothing meanwhile for {@link #STALL_LIMIT} is stalled: from then on nothing waits for it
   * ({@link #forcing}), and the transport's write budget drops it once what is due exceeds it.
   */
  private void whenDrained(Runnable then) {
    checkOnActor();
    if (closed) {
      return;
    }
    long pending = channel.pendingBytes();
    if (pending < ctx.budget().pushLimit()) {
      waitingSinceMs = -1;
      forcing = false; // it reads again
      then.run();
      return;
    }
    if (forcing) {
      then.run();
      return;
    }
    long now = ctx.clock().millis();
    if (waitingSinceMs < 0 || pending < waitingPending) {
      waitingSinceMs = now; // waiting starts, or the peer read some: it is slow, not stalled
    }
    waitingPending = pending;
    if (now - waitingSinceMs >= STALL_LIMIT.toMillis()) {
      log.debug("{}: the peer read nothing for {}; writing what is due regardless", channel, STALL_LIMIT);
      forcing = true;
      then.run();
      return;
    }
    ctx.scheduler().schedule(() -> actor.execute(() -> whenDrained(then)), HELD_BACK_RECHECK.toNanos(),
        TimeUnit.NANOSECONDS);
  }

  // ---- writing and closing ---------------------------------------------------------------------

  /**
   * Writes a frame; one the channel cannot carry closes the link with a code (31003), so that a
   * session never looks healthy while its frames are dropped.
   */
  private void send(Frame frame) {
    try {
      Frames.send(channel, frame, maxFrameBytes());
      ctx.stats().pending(channel.pendingBytes());
    } catch (FrameTooLargeException e) {
      log.error("{}: cannot write a {} frame ({}); closing the link", channel, frame.getBodyCase(), e.getMessage());
      closeWith(ErrorCode.CONN_SERVER_UNAVAILABLE.code(), "the server could not write a frame: " + e.getMessage());
    }
  }

  private void closeWith(int code, String reason) {
    ServerSession.disconnect(channel, code, reason);
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
    send(Frame.newBuilder()
        .setConnectAck(ConnectAck.newBuilder().setCode(code).setReason(reason).setServerTimeMs(ctx.clock().millis())
            .setRetryAfterMs((int) Math.min(Integer.MAX_VALUE, retryAfterMs))
            .setMaxFrameBytes(maxFrameBytes())
            .setServerMinProtocolVersion(Frames.MIN_PROTOCOL_VERSION)
            .setServerMaxProtocolVersion(Frames.PROTOCOL_VERSION))
        .build());
    channel.close(code, reason); // the transport's own means say it too (docs/protocol.md §2.4)
  }

  private String newSessionId() {
    byte[] id = new byte[16];
    ctx.random().nextBytes(id);
    return HexFormat.of().formatHex(id);
  }

  private void closed(Throwable cause) {
    checkOnActor();
    if (closed) {
      return; // reported once by the transport; uncounted once
    }
    closed = true;
    ctx.caps().closed(remote);
    if (cause instanceof WriteBudget.ExceededException slow) {
      ctx.stats().slowClientsDropped.incrementAndGet();
      log.info("{}: dropped with {}: {}", channel, slow.code(), slow.getMessage());
    }
    authTimer.cancel(false);
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    held.clear();
    outgoing.clear();
    outgoingBytes = 0;
    if (session != null) {
      ctx.sessions().remove(session);
      ctx.cluster().leave(session.user().appKey(), session.user().userId(), session.entry(ctx.cluster().nodeId()));
    }
    if (cause != null) {
      log.debug("{}: closed by {}", channel, cause.toString());
    }
  }
}
