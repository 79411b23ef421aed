package io.imlink.core.internal;

import io.imlink.api.ConversationType;
import io.imlink.api.ErrorCode;
import io.imlink.api.Message;
import io.imlink.api.MessageDirection;
import io.imlink.api.MessageSendException;
import io.imlink.api.MessageStatus;
import io.imlink.api.SendMessageCallback;
import io.imlink.api.spi.MessageStore;
import io.imlink.api.Limits;
import io.imlink.core.internal.UserSession.Outgoing;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.Deliver;
import io.imlink.protocol.v1.DeliverAck;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Publish;
import io.imlink.protocol.v1.PublishAck;
import io.imlink.protocol.v1.SyncRequest;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messaging for one engine: the outbox, publishing, delivery, sync and acknowledgements. It owns the
 * {@code PUBLISH_ACK} and {@code DELIVER} bodies ({@link FrameRouter}), works on the live link
 * between its up and down events, and on the {@link UserSession} of the open store.
 *
 * <p>Guarantees: a message is written to the store and to the network at the same time (the
 * commit is off the latency path); the app is told "stored" after the commit and "sent" only after
 * both the commit and the server's acknowledgement. It stays in the outbox (the store's SENDING
 * messages) until the server acknowledges it, so it survives drops and restarts and goes out in
 * order on every new connection; the server de-duplicates resends by client message id. A process
 * that dies before the commit loses only what it never reported stored: the server may have that
 * message (and deliver it), but it is not resent, so it never arrives twice. A received message is
 * stored (de-duplicated by server id) before the server is told, so an acknowledged message is
 * never lost; the inbox cursor is stored with it.
 *
 * <p>Thread: everything here runs on the engine's loop; store completions are handed back to the
 * loop through {@code post}, and app-facing completions go to the callback executor ({@link
 * Listeners#run}).
 */
@Singleton
final class Messenger implements FrameRouter.LinkListener, UserSessions.Listener {
  private static final Logger log = LoggerFactory.getLogger(Messenger.class);
  static final String INBOX_CURSOR = "inbox.seq";

  /** An accepted send whose SENT status is still to be stored. */
  private record Accepted(Outgoing outgoing, PublishAck ack) {}

  /** A delivery whose messages are still to be stored. */
  private record Inbound(Deliver deliver, List<Message> messages, long maxSeq, FrameSink link) {}

  private final Listeners listeners;
  private final EngineLoop loop;
  private final Consumer<Runnable> post;
  private final Clock clock;
  private final RandomGenerator random; // loop-confined, like everything that uses it
  /**
   * Mixed into every client message id: two engines given equally seeded randomness (for
   * repeatable reconnect jitter) must still never make the same id, which the server would take
   * for a resend of the other's message.
   */
  private final long idSalt = new java.security.SecureRandom().nextLong();

  // Loop-confined.
  private UserSession user; // the open store's, or null
  private FrameSink channel; // the established connection, or null
  private long sessionStartMs; // server time at which the current connection was accepted
  private final Gathered<Outgoing> unstored = new Gathered<>(this::storeSends);
  private final Gathered<Accepted> accepted = new Gathered<>(this::storeAccepted);
  private final Gathered<Inbound> inbound = new Gathered<>(this::storeInbound);

  /**
   * Writes gathered on the loop and stored together by one task queued behind the first: a burst
   * of sends, acceptances or deliveries becomes one store write; a lone one is stored at once.
   */
  private final class Gathered<T> {
    private final List<T> items = new ArrayList<>();
    private final Consumer<List<T>> store;

    Gathered(Consumer<List<T>> store) {
      this.store = store;
    }

    void add(T item) {
      if (items.isEmpty()) {
        post.accept(this::flush);
      }
      items.add(item);
    }

    /** Stores what is gathered now (also run by the queued task, which may find nothing left). */
    void flush() {
      if (!items.isEmpty()) {
        List<T> batch = List.copyOf(items);
        items.clear();
        store.accept(batch);
      }
    }
  }

  @Inject
  Messenger(Listeners listeners, EngineLoop loop, Clock clock, RandomGenerator random, FrameRouter router,
      UserSessions users) {
    this.listeners = listeners;
    this.loop = loop;
    this.post = loop::post;
    this.clock = clock;
    this.random = random;
    router.on(Frame.BodyCase.PUBLISH_ACK, (link, f) -> onPublishAck(f.getPublishAck()));
    router.on(Frame.BodyCase.DELIVER, (link, f) -> onDeliver(f.getDeliver()));
    router.onLink(this);
    users.addListener(this);
  }

  /**
   * A new client message id: a time-ordered UUID (version 7 layout: 48 bits of Unix milliseconds,
   * then 74 random bits, the lower 62 salted). Time order keeps the unique indexes on it (here and
   * at the server) appending instead of touching a random page for every message.
   */
  static String clientMessageId(long epochMillis, RandomGenerator random, long salt) {
    long msb = (epochMillis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long lsb = ((random.nextLong() ^ salt) & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
    return new UUID(msb, lsb).toString();
  }

  /** A user's store is open: its unacknowledged sends are the outbox again. */
  @Override
  public void opened(UserSession u) {
    user = u;
    try {
      for (Message m : u.store.pendingSends(Integer.MAX_VALUE)) {
        u.outbox.put(m.clientMessageId(), new Outgoing(m, null, null, true));
      }
      OptionalLong c = u.store.getCursor(INBOX_CURSOR);
      u.cursor = c.isPresent() ? c.getAsLong() : 0;
    } catch (IOException e) {
      log.error("cannot read the outbox of {}; unsent messages wait for the next session", u.userId, e);
    }
    if (!u.outbox.isEmpty()) {
      log.info("{} message(s) of {} still to send", u.outbox.size(), u.userId);
    }
  }

  /** The store is closing (sign out, another user): messages stay in it for later. */
  @Override
  public void closing(UserSession u) {
    unstored.flush();
    accepted.flush();
    inbound.flush();
    for (Outgoing o : u.outbox.values()) {
      if (o.future != null) {
        o.future.completeExceptionally(new MessageSendException(ErrorCode.CLIENT_NOT_INIT.code(), o.message));
      }
    }
    u.outbox.clear();
    user = null;
    channel = null;
  }

  /**
   * A connection is established: send the outbox in order, then sync the inbox. Messages the
   * server stored before its {@code ack}'s server time are "offline" ones.
   */
  @Override
  public void linkUp(Link link, ConnectAck ack) {
    channel = link;
    sessionStartMs = ack.getServerTimeMs();
    if (user == null) {
      return;
    }
    for (Outgoing o : user.outbox.values()) {
      publish(o.message);
    }
    requestSync();
  }

  /** The connection is gone: the outbox waits for the next one. */
  @Override
  public void linkDown(Link link) {
    if (channel == link) {
      channel = null;
    }
  }

  private void requestSync() {
    channel.send(Frame.newBuilder()
        .setSyncRequest(SyncRequest.newBuilder().setAfterSeq(user.cursor).setLimit(Limits.SYNC_PAGE_SIZE)).build());
  }

  private void publish(Message m) {
    channel.send(Frame.newBuilder().setPublish(Publish.newBuilder()
        .setClientMessageId(m.clientMessageId()).setToUserId(m.targetId()).setObjectName(m.objectName())
        .setContent(m.content()).setClientTimeMs(m.localTime())).build());
  }

  // ---- sending -----------------------------------------------------------------------------------


  /**
   * Sends a message and stores it, both at once (on the loop): it goes out now if a connection is
   * up, and with the outbox on the next one otherwise. Returns 0, or 33001 if no store is open.
   */
  int send(String target, String objectName, String content, SendMessageCallback callback,
      CompletableFuture<Message> future) {
    loop.check();
    if (user == null) {
      return ErrorCode.CLIENT_NOT_INIT.code();
    }
    long now = clock.millis();
    Message m = Message.builder().conversationType(ConversationType.PRIVATE).targetId(target)
        .direction(MessageDirection.SEND).senderUserId(user.userId).objectName(objectName).content(content)
        .clientMessageId(clientMessageId(now, random, idSalt)).status(MessageStatus.SENDING).localTime(now).build();
    Outgoing o = new Outgoing(m, callback, future, false);
    user.outbox.put(m.clientMessageId(), o);
    if (channel != null) {
      publish(m);
    }
    unstored.add(o);
    return 0;
  }

  /** Stores gathered sends in one write; then each is "stored", and settled if its ack came first. */
  private void storeSends(List<Outgoing> batch) {
    UserSession u = user;
    u.store.insertMessages(batch.stream().map(o -> o.message).toList()).whenComplete((stored, error) -> post.accept(() -> {
      if (error != null) {
        log.error("storing {} message(s) to send failed", batch.size(), error);
      }
      Map<String, Message> byClientId = new HashMap<>();
      if (stored != null) {
        for (Message sm : stored) {
          byClientId.put(sm.clientMessageId(), sm);
        }
      }
      for (Outgoing o : batch) {
        Message sm = byClientId.get(o.message.clientMessageId());
        if (sm == null) {
          // Not stored, though it may have reached the server: the app is told it failed, and it is
          // not resent. The recipient may still get it, once.
          u.outbox.remove(o.message.clientMessageId(), o);
          fail(o, ErrorCode.DATABASE_ERROR.code());
          continue;
        }
        o.message = sm;
        o.stored = true;
        if (o.callback != null) {
          listeners.run(() -> o.callback.onStored(sm));
        }
        if (u.isClosed()) {
          continue; // signed out meanwhile: the message waits in that user's store
        }
        if (o.ack != null) {
          settle(u, o, o.ack);
        }
      }
    }));
  }

  private void onPublishAck(PublishAck ack) {
    UserSession u = user;
    Outgoing o = u == null ? null : u.outbox.remove(ack.getClientMessageId());
    if (o == null) {
      return; // a second answer for a resend
    }
    if (o.stored) {
      settle(u, o, ack);
    } else {
      o.ack = ack; // settled when its commit is done
    }
  }

  /** Records the server's answer to a stored message: sent, or failed with the server's code. */
  private void settle(UserSession u, Outgoing o, PublishAck ack) {
    if (ack.getCode() == 0) {
      accepted.add(new Accepted(o, ack));
    } else {
      log.info("the server refused message {}: {}", o.message.clientMessageId(), ErrorCode.describe(ack.getCode()));
      u.store.markFailed(o.message.localId(), ack.getCode())
          .whenComplete((failed, error) -> post.accept(() -> fail(o, ack.getCode())));
    }
  }

  /** Stores gathered acceptances in one write, then tells the app. */
  private void storeAccepted(List<Accepted> batch) {
    List<MessageStore.Sent> sent = new ArrayList<>(batch.size());
    for (Accepted a : batch) {
      sent.add(new MessageStore.Sent(a.outgoing().message.localId(), a.ack().getMessageId(),
          a.ack().getServerTimeMs(), a.ack().getOrder()));
    }
    user.store.markSent(sent).whenComplete((updated, error) -> post.accept(() -> {
      if (error != null) {
        log.error("recording {} sent message(s) failed", batch.size(), error);
      }
      for (int i = 0; i < batch.size(); i++) {
        Outgoing o = batch.get(i).outgoing();
        PublishAck ack = batch.get(i).ack();
        Message m = error == null && updated.get(i).isPresent() ? updated.get(i).get()
            : o.message.withSent(ack.getMessageId(), ack.getServerTimeMs(), ack.getOrder());
        if (o.callback != null) {
          listeners.run(() -> o.callback.onSent(m));
        }
        if (o.future != null) {
          listeners.run(() -> o.future.complete(m));
        }
      }
    }));
  }

  private void fail(Outgoing o, int code) {
    Message m = o.message.withStatus(MessageStatus.FAILED, code);
    if (o.callback != null) {
      listeners.run(() -> o.callback.onFailed(m, code));
    }
    if (o.future != null) {
      listeners.run(() -> o.future.completeExceptionally(new MessageSendException(code, m)));
    }
  }

  // ---- receiving ---------------------------------------------------------------------------------

  private void onDeliver(Deliver d) {
    FrameSink ch = channel;
    if (user == null || d.getMessagesCount() == 0) {
      if (d.getOffline() && d.getLeft() > 0 && ch != null) {
        requestSync();
      }
      return;
    }
    List<Message> messages = new ArrayList<>(d.getMessagesCount());
    long maxSeq = 0;
    for (DeliveredMessage dm : d.getMessagesList()) {
      maxSeq = Math.max(maxSeq, dm.getSeq());
      messages.add(Message.builder().conversationType(ConversationType.PRIVATE).targetId(dm.getFromUserId())
          .direction(MessageDirection.RECEIVE).senderUserId(dm.getFromUserId()).objectName(dm.getObjectName())
          .content(dm.getContent()).clientMessageId(dm.getClientMessageId().isEmpty() ? null : dm.getClientMessageId())
          .serverMessageId(dm.getMessageId()).sentTime(dm.getServerTimeMs()).orderKey(dm.getOrder())
          .status(MessageStatus.RECEIVED).localTime(clock.millis()).build());
    }
    inbound.add(new Inbound(d, messages, maxSeq, ch));
  }

  /**
   * Stores gathered deliveries and the inbox cursor past them in one write; then tells the
   * listeners, in order, and the server (a message is acknowledged only once it is stored).
   */
  private void storeInbound(List<Inbound> batch) {
    List<Message> all = new ArrayList<>();
    Map<String, Inbound> byServerId = new HashMap<>();
    long seq = 0;
    for (Inbound in : batch) {
      all.addAll(in.messages());
      for (Message m : in.messages()) {
        byServerId.putIfAbsent(m.serverMessageId(), in);
      }
      seq = Math.max(seq, in.maxSeq());
    }
    UserSession u = user;
    CompletableFuture<List<Message>> stored;
    long before = u.cursor;
    if (seq > u.cursor) {
      stored = u.store.insertMessages(all, INBOX_CURSOR, seq);
      u.cursor = seq;
    } else {
      stored = u.store.insertMessages(all);
    }
    long upTo = seq;
    stored.whenComplete((list, error) -> post.accept(() -> {
      if (error != null) {
        // Not acknowledged, and the next connection's sync starts before them again.
        u.cursor = Math.min(u.cursor, before);
        log.error("storing {} received message(s) failed; they come again with the next sync", all.size(), error);
        return;
      }
      // "left": the offline messages still coming in this sync after each one — the later stored
      // messages of its delivery, then what the server has not sent yet.
      int[] lefts = new int[list.size()];
      Map<Inbound, Integer> later = new IdentityHashMap<>();
      for (int i = list.size() - 1; i >= 0; i--) {
        Inbound in = byServerId.get(list.get(i).serverMessageId());
        lefts[i] = in.deliver().getLeft() + later.merge(in, 1, Integer::sum) - 1;
      }
      for (int i = 0; i < list.size(); i++) {
        Message m = list.get(i);
        Inbound in = byServerId.get(m.serverMessageId());
        int left = lefts[i];
        // A sync also carries what arrived since this connection began: that is not offline.
        boolean offline = in.deliver().getOffline() && m.sentTime() < sessionStartMs;
        listeners.fireMessage(m, left, offline);
      }
      FrameSink ch = channel;
      if (ch == null || u.isClosed()) {
        return; // acknowledged by a later session of this user, whose sync starts after the cursor stored
      }
      ch.send(Frame.newBuilder().setDeliverAck(DeliverAck.newBuilder().setUpToSeq(upTo)).build());
      for (Inbound in : batch) {
        if (in.link() == ch && in.deliver().getOffline() && in.deliver().getLeft() > 0) {
          requestSync(); // the next page of this connection's sync
          break;
        }
      }
    }));
  }
}
