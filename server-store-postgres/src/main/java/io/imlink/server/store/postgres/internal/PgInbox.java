package io.imlink.server.store.postgres.internal;

import io.imlink.server.spi.InboxRows;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.server.spi.InboxStore;
import io.imlink.server.spi.MessageIds;
import io.imlink.server.spi.PendingAcks;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.random.RandomGenerator;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Messages and inboxes in PostgreSQL, for any number of server processes at once.
 *
 * <p>Writes (publishes, acknowledgements, prunes) are queued to one writer thread per store ({@code
 * imlink-pg-inbox}), which takes what is waiting (up to {@link #MAX_BATCH}) and writes it in one
 * transaction on a pool connection, completing each future after the commit:
 *
 * <ol>
 *   <li>acknowledgements, folded per device (the highest wins, here and in SQL with {@code GREATEST});
 *   <li>messages, in one {@code INSERT ... ON CONFLICT DO NOTHING RETURNING}: a message the unique
 *       (app, sender, client message id) refuses is a resend, looked up and answered as a duplicate
 *       with no deliveries; two copies in one batch are stored once;
 *   <li>the inbox heads: the new rows per recipient are counted for the whole batch and each head is
 *       moved once, in sorted key order (so that two processes' batches lock heads in one order and
 *       cannot deadlock on them), by an upsert adding the count that returns the new head: the batch
 *       owns the range up to it and numbers its rows in publish order;
 *   <li>the inbox rows, in one insert; then prunes.
 * </ol>
 *
 * A rollback leaves heads and rows as they were, so sequences stay gapless; a batch that fails on a
 * serialisation failure or a deadlock (40001, 40P01) is run again, a few times; one that fails
 * otherwise is run again one write at a time, so that only the write at fault fails (unless it
 * failed for want of a connection: then all of it fails at once).
 *
 * <p>Thread safety: any thread. {@link #publish}, {@link #ack} and {@link #prune} return at once;
 * {@link #fetch} and {@link #acknowledged} block for their statements on a pool connection.
 */
public final class PgInbox implements InboxStore {
  private static final Logger log = LoggerFactory.getLogger(PgInbox.class);
  /** Writes in one transaction, at most. */
  static final int MAX_BATCH = 512;
  /** Runs of a batch that fails on a serialisation failure or deadlock, at most. */
  static final int ATTEMPTS = 5;

  private final DataSource pool;
  private final RandomGenerator random;
  private final int poolSize;
  private final int readConcurrency;
  private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
  private final PendingAcks pendingAcks = new PendingAcks();
  private final Object submitLock = new Object();
  private boolean closed; // guarded by submitLock
  private final Thread writer;

  private sealed interface Op permits PublishOp, AckOp, PruneOp, Stop {}

  /** A publish; the per-run fields are the writer's. */
  private static final class PublishOp implements Op {
    final String appKey;
    final String from;
    final List<String> to;
    final String objectName;
    final String content;
    final String clientMessageId;
    final long now;
    final CompletableFuture<Published> future = new CompletableFuture<>();
    // per run of the batch:
    String messageId;
    long order;
    PublishOp sameAs; // an earlier copy in the batch
    Published result;

    PublishOp(String appKey, String from, List<String> to, String objectName, String content, String clientMessageId,
        long now) {
      this.appKey = appKey;
      this.from = from;
      this.to = to;
      this.objectName = objectName;
      this.content = content;
      this.clientMessageId = clientMessageId;
      this.now = now;
    }
  }

  /** An acknowledgement: its share of the folded ones ({@link #pendingAcks}). */
  private record AckOp(PendingAcks.Write write) implements Op {}

  private static final class PruneOp implements Op {
    final long beforeMs;
    final CompletableFuture<Integer> future = new CompletableFuture<>();
    int result;

    PruneOp(long beforeMs) {
      this.beforeMs = beforeMs;
    }
  }

  private enum Stop implements Op { STOP }

  /** Starts the writer thread. */
  public PgInbox(DataSource pool, RandomGenerator random, int poolSize) {
    this.pool = pool;
    this.random = random;
    this.poolSize = poolSize;
    this.readConcurrency = Math.max(1, poolSize - 1);
    this.writer = new Thread(this::writeLoop, "imlink-pg-inbox");
    writer.setDaemon(true);
    writer.start();
  }

  private boolean enqueue(Op op) {
    synchronized (submitLock) {
      if (closed) {
        return false;
      }
      queue.add(op);
      return true;
    }
  }

  @Override
  public CompletableFuture<Published> publish(String appKey, String from, List<String> to, String objectName,
      String content, String clientMessageId, long now) {
    PublishOp op = new PublishOp(appKey, from, List.copyOf(to), objectName, content, clientMessageId, now);
    if (!enqueue(op)) {
      op.future.completeExceptionally(new IllegalStateException("the postgres inbox is closed"));
    }
    return op.future;
  }

  /**
   * Records that a device of a user has stored everything up to {@code upToSeq}. Acknowledgements
   * of one device arriving while one is waiting to be written are folded into it (the highest wins).
   */
  @Override
  public void ack(String appKey, String user, String deviceId, long upToSeq) {
    PendingAcks.Write write = pendingAcks.fold(List.of(appKey, user, deviceId), upToSeq);
    if (write != null && !enqueue(new AckOp(write))) {
      log.warn("the postgres inbox is closed: the acknowledgement of {}/{} up to {} is dropped", user, deviceId,
          write.failed());
    }
  }

  @Override
  public CompletableFuture<Integer> prune(long beforeMs) {
    PruneOp op = new PruneOp(beforeMs);
    if (!enqueue(op)) {
      op.future.completeExceptionally(new IllegalStateException("the postgres inbox is closed"));
    }
    return op.future;
  }

  // ---- the writer thread ----

  private void writeLoop() {
    List<Op> batch = new ArrayList<>(MAX_BATCH);
    boolean stop = false;
    while (!stop) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        continue; // nobody interrupts it; close() stops it with STOP
      }
      queue.drainTo(batch, MAX_BATCH - 1);
      if (batch.remove(Stop.STOP)) {
        stop = true; // the last thing queued: nothing follows it
      }
      if (!batch.isEmpty()) {
        try {
          run(batch);
        } catch (RuntimeException | Error e) { // keep the writer alive; fail what it held
          log.error("the postgres inbox writer failed a batch", e);
          fail(batch, e);
        }
      }
      batch.clear();
    }
  }

  /** Writes a batch (again, on a deadlock), or each write alone when it fails otherwise. */
  private void run(List<Op> batch) {
    try {
      write(batch);
    } catch (SQLException e) {
      if (batch.size() > 1 && !connectionFailure(e)) {
        log.debug("an inbox batch of {} failed ({}); writing them one at a time", batch.size(), e.getMessage());
        for (Op op : batch) {
          run(List.of(op));
        }
      } else {
        fail(batch, e);
      }
    }
  }

  private void fail(List<Op> batch, Throwable e) {
    for (Op op : batch) {
      if (op instanceof PublishOp p) {
        p.future.completeExceptionally(e);
      } else if (op instanceof PruneOp p) {
        p.future.completeExceptionally(e);
      } else if (op instanceof AckOp a) { // the device will acknowledge again; nothing is lost but this record
        long value = a.write().failed();
        log.warn("recording the acknowledgement of {}/{} up to {} failed: {}", a.write().key().get(1),
            a.write().key().get(2), value, e.toString());
      }
    }
  }

  /**
   * No connection (the pool timed out, the database is down): every write would fail the same way,
   * so the batch fails at once rather than one write at a time.
   */
  private static boolean connectionFailure(SQLException e) {
    return e instanceof java.sql.SQLTransientConnectionException || e instanceof java.sql.SQLNonTransientConnectionException
        || Jdbc.brokenConnection(e);
  }

  private static boolean retryable(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && ("40001".equals(s.getSQLState()) || "40P01".equals(s.getSQLState()))) {
        return true;
      }
    }
    return false;
  }

  /**
   * One transaction for the batch, completed after the commit. Run again on a serialisation failure
   * or deadlock, and on another connection when the one taken was broken before the commit was sent
   * (so it cannot have been applied); a connection lost during the commit is a failure, since the
   * batch may be stored.
   */
  private void write(List<Op> batch) throws SQLException {
    int reconnects = 0;
    for (int attempt = 1; ; attempt++) {
      boolean committing = false;
      try (Connection c = pool.getConnection()) { // the pool puts auto-commit back when it is returned
        c.setAutoCommit(false);
        try {
          writeAcks(c, batch);
          writePublishes(c, batch);
          writePrunes(c, batch);
          committing = true;
          c.commit();
        } catch (SQLException | RuntimeException e) {
          try {
            c.rollback();
          } catch (SQLException r) {
            e.addSuppressed(r);
          }
          throw e;
        }
      } catch (SQLException e) {
        if (retryable(e) && attempt < ATTEMPTS) {
          log.debug("inbox batch attempt {} hit {} ({}); running it again", attempt, e.getSQLState(), e.getMessage());
          continue;
        }
        if (!committing && reconnects < poolSize && Jdbc.brokenConnection(e)) {
          reconnects++; // a pooled connection the database had dropped: again on another
          log.debug("inbox batch lost its connection before the commit ({}); running it again", e.getMessage());
          continue;
        }
        throw e;
      }
      complete(batch);
      return;
    }
  }

  private void complete(List<Op> batch) {
    for (Op op : batch) {
      if (op instanceof PublishOp p) {
        p.future.complete(p.result);
      } else if (op instanceof PruneOp p) {
        p.future.complete(p.result);
      }
    }
  }

  private static final Comparator<List<String>> KEYS = (a, b) -> {
    for (int i = 0; i < a.size(); i++) {
      int c = a.get(i).compareTo(b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  };

  private void writeAcks(Connection c, List<Op> batch) throws SQLException {
    TreeMap<List<String>, Long> acks = new TreeMap<>(KEYS); // sorted: rows locked in one order by every process
    for (Op op : batch) {
      if (op instanceof AckOp a) {
        acks.merge(a.write().key(), a.write().value(), Math::max); // the same value in a run again of the batch
      }
    }
    if (acks.isEmpty()) {
      return;
    }
    try (PreparedStatement p = c.prepareStatement("INSERT INTO acks(app_key, user_id, device_id, up_to_seq)"
        + " VALUES (?, ?, ?, ?) ON CONFLICT (app_key, user_id, device_id) DO UPDATE SET up_to_seq ="
        + " GREATEST(acks.up_to_seq, excluded.up_to_seq)")) {
      for (Map.Entry<List<String>, Long> e : acks.entrySet()) {
        p.setString(1, e.getKey().get(0));
        p.setString(2, e.getKey().get(1));
        p.setString(3, e.getKey().get(2));
        p.setLong(4, e.getValue());
        p.addBatch();
      }
      p.executeBatch();
    }
  }

  private void writePrunes(Connection c, List<Op> batch) throws SQLException {
    for (Op op : batch) {
      if (op instanceof PruneOp prune) {
        try (PreparedStatement box = c.prepareStatement("DELETE FROM inbox WHERE server_time < ?");
            PreparedStatement msgs = c.prepareStatement("DELETE FROM messages WHERE server_time < ?")) {
          box.setLong(1, prune.beforeMs);
          prune.result = box.executeUpdate();
          msgs.setLong(1, prune.beforeMs);
          msgs.executeUpdate();
        }
      }
    }
  }

  private void writePublishes(Connection c, List<Op> batch) throws SQLException {
    List<PublishOp> stored = new ArrayList<>(); // the first copy of each message in the batch
    Map<List<String>, PublishOp> byClientId = new HashMap<>();
    for (Op op : batch) {
      if (op instanceof PublishOp p) {
        p.result = null;
        p.order = -1;
        p.sameAs = p.clientMessageId == null ? null
            : byClientId.putIfAbsent(List.of(p.appKey, p.from, p.clientMessageId), p);
        if (p.sameAs == null) {
          p.messageId = MessageIds.next(p.now, random); // anew for each run: a clash of ids is not repeated
          stored.add(p);
        }
      }
    }
    if (stored.isEmpty()) {
      return;
    }
    insertMessages(c, stored);
    // Resends of messages stored before this batch.
    List<PublishOp> fresh = new ArrayList<>(stored.size());
    for (PublishOp p : stored) {
      if (p.order >= 0) {
        fresh.add(p);
      } else {
        p.result = findStored(c, p);
      }
    }
    // Move each recipient's head once, in key order, by the rows this batch adds to its inbox.
    TreeMap<List<String>, long[]> heads = new TreeMap<>(KEYS); // key -> {count, next seq}
    for (PublishOp p : fresh) {
      for (String user : p.to) {
        heads.computeIfAbsent(List.of(p.appKey, user), k -> new long[2])[0]++;
      }
    }
    if (!heads.isEmpty()) {
      moveHeads(c, heads);
    }
    // Number the rows in publish order and insert them.
    int rows = 0;
    for (PublishOp p : fresh) {
      rows += p.to.size();
    }
    String[] appKeys = new String[rows];
    String[] users = new String[rows];
    Long[] seqs = new Long[rows];
    Long[] ords = new Long[rows];
    Long[] times = new Long[rows];
    int i = 0;
    for (PublishOp p : fresh) {
      List<Delivery> deliveries = new ArrayList<>(p.to.size());
      for (String user : p.to) {
        long seq = heads.get(List.of(p.appKey, user))[1]++;
        appKeys[i] = p.appKey;
        users[i] = user;
        seqs[i] = seq;
        ords[i] = p.order;
        times[i] = p.now;
        i++;
        deliveries.add(new Delivery(user, DeliveredMessage.newBuilder().setSeq(seq).setMessageId(p.messageId)
            .setFromUserId(p.from).setObjectName(p.objectName).setContent(p.content).setServerTimeMs(p.now)
            .setOrder(p.order).setClientMessageId(p.clientMessageId == null ? "" : p.clientMessageId).build()));
      }
      p.result = new Published(p.messageId, p.now, p.order, false, deliveries);
    }
    if (rows > 0) {
      try (PreparedStatement box = c.prepareStatement("INSERT INTO inbox(app_key, user_id, seq, ord, server_time)"
          + " SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[])")) {
        box.setArray(1, c.createArrayOf("text", appKeys));
        box.setArray(2, c.createArrayOf("text", users));
        box.setArray(3, c.createArrayOf("int8", seqs));
        box.setArray(4, c.createArrayOf("int8", ords));
        box.setArray(5, c.createArrayOf("int8", times));
        box.executeUpdate();
      }
    }
    // Copies within the batch answer as resends of the first.
    for (Op op : batch) {
      if (op instanceof PublishOp p && p.sameAs != null) {
        Published first = p.sameAs.result;
        p.result = new Published(first.messageId(), first.serverTime(), first.order(), true, List.of());
      }
    }
  }

  /** Inserts the batch's messages in one statement, in publish order; sets the order of each one stored. */
  private static void insertMessages(Connection c, List<PublishOp> stored) throws SQLException {
    int n = stored.size();
    String[] ids = new String[n];
    String[] apps = new String[n];
    String[] froms = new String[n];
    String[] objects = new String[n];
    String[] contents = new String[n];
    Long[] times = new Long[n];
    String[] clientIds = new String[n];
    Map<String, PublishOp> byId = new HashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      PublishOp p = stored.get(i);
      ids[i] = p.messageId;
      apps[i] = p.appKey;
      froms[i] = p.from;
      objects[i] = p.objectName;
      contents[i] = p.content;
      times[i] = p.now;
      clientIds[i] = p.clientMessageId;
      byId.put(p.messageId, p);
    }
    try (PreparedStatement insert = c.prepareStatement("INSERT INTO messages(message_id, app_key, from_user,"
        + " object_name, content, server_time, client_msg_id)"
        + " SELECT m, a, f, o, t, s, k FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
        + " ?::bigint[], ?::text[]) WITH ORDINALITY AS u(m, a, f, o, t, s, k, i) ORDER BY i"
        + " ON CONFLICT DO NOTHING RETURNING message_id, ord")) {
      insert.setArray(1, array(c, "text", ids));
      insert.setArray(2, array(c, "text", apps));
      insert.setArray(3, array(c, "text", froms));
      insert.setArray(4, array(c, "text", objects));
      insert.setArray(5, array(c, "text", contents));
      insert.setArray(6, array(c, "int8", times));
      insert.setArray(7, array(c, "text", clientIds));
      try (ResultSet rs = insert.executeQuery()) {
        while (rs.next()) {
          PublishOp p = byId.get(rs.getString(1));
          if (p != null) {
            p.order = rs.getLong(2);
          }
        }
      }
    }
  }

  private static Array array(Connection c, String type, Object[] values) throws SQLException {
    return c.createArrayOf(type, values);
  }

  /** The stored message a resend refers to. */
  private static Published findStored(Connection c, PublishOp p) throws SQLException {
    if (p.clientMessageId != null) {
      try (PreparedStatement find = c.prepareStatement("SELECT ord, message_id, server_time FROM messages"
          + " WHERE app_key = ? AND from_user = ? AND client_msg_id = ?")) {
        find.setString(1, p.appKey);
        find.setString(2, p.from);
        find.setString(3, p.clientMessageId);
        try (ResultSet rs = find.executeQuery()) {
          if (rs.next()) {
            return new Published(rs.getString(2), rs.getLong(3), rs.getLong(1), true, List.of());
          }
        }
      }
    }
    // only two ids of one millisecond with the same 48 random bits get here
    throw new SQLException("message id " + p.messageId + " is already taken");
  }

  /** Moves the heads in key order; sets each one's first sequence of the batch. */
  private static void moveHeads(Connection c, TreeMap<List<String>, long[]> heads) throws SQLException {
    int n = heads.size();
    String[] apps = new String[n];
    String[] users = new String[n];
    Long[] counts = new Long[n];
    int i = 0;
    for (Map.Entry<List<String>, long[]> e : heads.entrySet()) {
      apps[i] = e.getKey().get(0);
      users[i] = e.getKey().get(1);
      counts[i] = e.getValue()[0];
      i++;
    }
    try (PreparedStatement p = c.prepareStatement("INSERT INTO inbox_heads(app_key, user_id, last_seq)"
        + " SELECT a, u, n FROM unnest(?::text[], ?::text[], ?::bigint[]) WITH ORDINALITY AS h(a, u, n, i) ORDER BY i"
        + " ON CONFLICT (app_key, user_id) DO UPDATE SET last_seq = inbox_heads.last_seq + excluded.last_seq"
        + " RETURNING app_key, user_id, last_seq")) {
      p.setArray(1, array(c, "text", apps));
      p.setArray(2, array(c, "text", users));
      p.setArray(3, array(c, "int8", counts));
      int seen = 0;
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          long[] h = heads.get(List.of(rs.getString(1), rs.getString(2)));
          if (h == null) {
            throw new SQLException("inbox head of an unexpected user returned: " + rs.getString(2));
          }
          h[1] = rs.getLong(3) - h[0] + 1;
          seen++;
        }
      }
      if (seen != n) {
        throw new SQLException("moved " + seen + " inbox heads of " + n);
      }
    }
  }

  // ---- reads, on pool connections ----

  @Override
  public Page fetch(String appKey, String user, long afterSeq, int maxCount, int maxBytes) throws IOException {
    try {
      return Jdbc.call(pool, poolSize + 1, c -> fetch(c, appKey, user, afterSeq, maxCount, maxBytes));
    } catch (InboxRows.TooLarge e) {
      throw new IOException("reading the inbox failed: " + e.getMessage(), e);
    } catch (SQLException e) {
      throw new IOException("reading the inbox from PostgreSQL failed: " + e.getMessage(), e);
    }
  }

  private static Page fetch(Connection c, String appKey, String user, long afterSeq, int maxCount, int maxBytes)
      throws SQLException {
    List<DeliveredMessage> out;
    try (PreparedStatement p = c.prepareStatement(InboxRows.PAGE_QUERY)) {
      p.setString(1, appKey);
      p.setString(2, user);
      p.setLong(3, afterSeq);
      p.setInt(4, Math.max(0, maxCount));
      try (ResultSet rs = p.executeQuery()) {
        out = InboxRows.page(rs, user, maxBytes);
      }
    }
    int left;
    try (PreparedStatement count = c.prepareStatement(InboxRows.LEFT_QUERY)) {
      count.setString(1, appKey);
      count.setString(2, user);
      count.setLong(3, InboxRows.lastSeq(out, afterSeq));
      try (ResultSet rs = count.executeQuery()) {
        left = rs.next() ? rs.getInt(1) : 0;
      }
    }
    return new Page(out, left);
  }

  @Override
  public long acknowledged(String appKey, String user, String deviceId) throws IOException {
    try {
      return Jdbc.call(pool, poolSize + 1, c -> {
        try (PreparedStatement p = c.prepareStatement(
            "SELECT up_to_seq FROM acks WHERE app_key = ? AND user_id = ? AND device_id = ?")) {
          p.setString(1, appKey);
          p.setString(2, user);
          p.setString(3, deviceId);
          try (ResultSet rs = p.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0L;
          }
        }
      });
    } catch (SQLException e) {
      throw new IOException("reading an acknowledgement from PostgreSQL failed: " + e.getMessage(), e);
    }
  }

  /** The pool size minus the writer's connection, at least 1. */
  @Override
  public int readConcurrency() {
    return readConcurrency;
  }

  /** Refuses new writes, lets the writer write what is queued, and waits for it to end. */
  @Override
  public void close() {
    synchronized (submitLock) {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(Stop.STOP);
    }
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
