package io.imlink.server.spi;

import io.imlink.protocol.DeliverPages;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the server keeps messages and every recipient's inbox: durable before anyone is told a
 * message exists. Part of a {@link ServerStore}; the {@code sqlite} store keeps them in {@code
 * messages.db}, {@code postgres} in PostgreSQL.
 *
 * <p>Each message gets an <em>order</em> (increasing across the store: both parties of a
 * conversation order it the same way) and, for each recipient, an inbox <em>sequence</em>
 * (1, 2, 3, … per recipient, with no gap and no repeat: the sync cursor). Sequences are assigned
 * atomically <em>in the store</em>, so that any number of server processes sharing it may
 * publish at once. A resend (same app, same sender, same client message id) finds the stored
 * message instead of storing it again, whichever process stored it. A burst of publishes is
 * written in one transaction.
 *
 * <p>Thread safety: every method may be called from any thread. Writes return at once and complete
 * later on the store's own thread; reads ({@link #fetch}, {@link #acknowledged}) block on the store,
 * so the server never calls them on an I/O thread or a connection's serial executor. Proven by
 * {@code io.imlink.tck.ServerStoreContract}.
 */
public interface InboxStore extends AutoCloseable {

  /** A stored message and where it went. */
  record Published(String messageId, long serverTime, long order, boolean duplicate, List<Delivery> deliveries) {}

  /** One recipient's copy. */
  record Delivery(String userId, io.imlink.protocol.v1.DeliveredMessage message) {}

  /** A page of an inbox and how many messages follow it. */
  record Page(List<io.imlink.protocol.v1.DeliveredMessage> messages, int left) {}

  /**
   * Stores a message for its recipients (or finds it again, for a resend).
   *
   * @param clientMessageId the sender's id for it, or null (messages from the app server)
   */
  CompletableFuture<Published> publish(String appKey, String from, List<String> to, String objectName, String content,
      String clientMessageId, long now);

  /**
   * Up to {@code maxCount} inbox messages after {@code afterSeq}, in order, whose {@link
   * io.imlink.protocol.DeliverPages#cost costs} add up to at most {@code maxBytes}, and how
   * many messages follow the page. Blocks for the read.
   *
   * @throws IOException if reading fails, or if the first message alone costs more than {@code
   *     maxBytes} (it could never be delivered within that frame limit)
   */
  Page fetch(String appKey, String user, long afterSeq, int maxCount, int maxBytes) throws IOException;

  /** Records that a device of a user has stored everything up to {@code upToSeq}. Returns at once. */
  void ack(String appKey, String user, String deviceId, long upToSeq);

  /** The highest sequence a device acknowledged, or 0. Blocks for the read. */
  long acknowledged(String appKey, String user, String deviceId) throws IOException;

  /** Drops inbox rows and messages stored before {@code beforeMs} (the retention); completes with the inbox rows dropped. */
  CompletableFuture<Integer> prune(long beforeMs);

  /** How many {@link #fetch} and {@link #acknowledged} reads may usefully run at once: the server's sync pool size. */
  default int readConcurrency() {
    return 4;
  }

  @Override
  void close();
}
