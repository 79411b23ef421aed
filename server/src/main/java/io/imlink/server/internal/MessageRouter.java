package io.imlink.server.internal;

import io.imlink.server.spi.Cluster;
import io.imlink.server.spi.InboxStore;
import io.imlink.api.ErrorCode;
import io.imlink.api.Limits;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The one way a message enters the server, whether a client published it or the app server posted
 * it to the HTTP API: checked against the protocol's limits, stored in every recipient's inbox,
 * counted, then pushed to the recipients' live sessions (which send it once they have synced).
 *
 * <p>Thread safety: {@link #publish} may be called from any thread and returns at once; its future
 * completes on the store's thread, after the live pushes were handed to the sessions.
 */
public final class MessageRouter {
  private final InboxStore inbox;
  private final SessionRegistry sessions;
  private final Cluster cluster;
  private final Counters stats;
  private final Clock clock;

  public MessageRouter(InboxStore inbox, SessionRegistry sessions, Cluster cluster, Counters stats, Clock clock) {
    this.inbox = inbox;
    this.sessions = sessions;
    this.cluster = cluster;
    this.stats = stats;
    this.clock = clock;
  }

  /** A message the limits refuse; {@link #code()} says why (33003 or 30016). */
  public static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    Refused(int code) {
      super(ErrorCode.describe(code), null, false, false);
      this.code = code;
    }

    public int code() {
      return code;
    }
  }

  /**
   * Stores a message for its recipients and delivers it live, or finds it again for a resend (which
   * is neither counted nor delivered again).
   *
   * @param clientMessageId the sender's id for it, or null for messages from the app server
   * @return the stored message; failed with {@link Refused} if the limits refuse it (nothing is
   *     stored), or with the store's error
   */
  public CompletableFuture<InboxStore.Published> publish(String appKey, String from, List<String> to,
      String objectName, String content, String clientMessageId) {
    int code = check(from, to, objectName, content, clientMessageId);
    if (code != 0) {
      return CompletableFuture.failedFuture(new Refused(code));
    }
    return inbox.publish(appKey, from, to, objectName, content, clientMessageId, clock.millis())
        .thenApply(published -> {
          if (!published.duplicate()) {
            stats.messagesPublished.incrementAndGet();
            deliverLive(appKey, published);
          }
          return published;
        });
  }

  private static int check(String from, List<String> to, String objectName, String content, String clientMessageId) {
    if (!Limits.isId(from) || to.isEmpty() || (clientMessageId != null && !Limits.isId(clientMessageId))) {
      return ErrorCode.INVALID_PARAMETER.code();
    }
    int code = Limits.checkMessage(to.get(0), objectName, content);
    for (int i = 1; code == 0 && i < to.size(); i++) {
      code = Limits.isId(to.get(i)) ? 0 : ErrorCode.INVALID_PARAMETER.code();
    }
    return code;
  }

  /**
   * Hands each recipient's copy to its live sessions (after the store committed it): this node's
   * directly, the other nodes' through the cluster.
   */
  private void deliverLive(String appKey, InboxStore.Published published) {
    for (InboxStore.Delivery d : published.deliveries()) {
      pushLocal(appKey, d.userId(), List.of(d.message()));
      cluster.deliver(appKey, d.userId(), List.of(d.message().toByteArray()));
    }
  }

  /** Pushes stored messages of a recipient to this node's sessions of the user. */
  public void pushLocal(String appKey, String userId, List<io.imlink.protocol.v1.DeliveredMessage> messages) {
    for (ServerSession s : sessions.sessions(new UserKey(appKey, userId))) {
      for (io.imlink.protocol.v1.DeliveredMessage m : messages) {
        s.live().push(m);
      }
    }
  }
}
