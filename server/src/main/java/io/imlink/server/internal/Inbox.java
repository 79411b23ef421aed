package io.imlink.server.internal;

import io.imlink.server.spi.InboxRows;
import io.imlink.server.spi.InboxStore;
import io.imlink.server.spi.MessageIds;
import io.imlink.server.spi.PendingAcks;
import io.imlink.api.Limits;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.sqlite.support.SqliteStatements;
import io.imlink.sqlite.support.SqliteWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's messages and every recipient's inbox, in SQLite ({@code <dataDirectory>/messages.db},
 * or a temporary file): durable before anyone is told a message exists.
 *
 * <p>Each message gets an <em>order</em> (increasing across the server: both parties of a
 * conversation order it the same way) and, for each recipient, an inbox <em>sequence</em>
 * (increasing per recipient: the sync cursor). A resend of a message — same sender, same client
 * message id — returns the stored message instead of storing it again.
 *
 * <p>Writes go through one batching writer, a burst of them in one transaction; reads take one of a
 * few read connections of their own
 * (no read waits for another unless all are busy). Inbox rows stay for the retention period whether
 * acknowledged or not, so that every device of a user can sync.
 *
 * <p>Several processes may use one file: each batch reads the inbox heads it moves inside its own
 * write transaction (SQLite's lock serialises them), so sequences stay unique and gapless per
 * recipient; the resend check is the unique index. That is what {@code ServerStoreContract}'s
 * concurrent test runs; the sqlite store is still meant for one node.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class Inbox implements InboxStore {
  private static final Logger log = LoggerFactory.getLogger(Inbox.class);
  /** Read connections: as many syncs may read at once, each on its own connection. */
  public static final int READERS = 4;

  private final Path file;
  private final boolean temporary;
  private final Connection writer;
  private final SqliteWriter writes;
  private final RandomGenerator random;
  // The inbox heads a batch has read and moved: by the writing thread, within one transaction. The
  // batch holds SQLite's write lock from BEGIN IMMEDIATE to COMMIT, so heads read in it stay right
  // until it commits, even with another process writing the same file; they are forgotten after.
  private final Map<List<String>, Long> heads = new HashMap<>();
  private final Map<List<String>, Long> dirtyHeads = new HashMap<>(); // written at commit
  private final PendingAcks pendingAcks = new PendingAcks();
  /** Idle read connections; a reader takes one for the read and gives it back. */
  private final java.util.concurrent.BlockingQueue<Reader> readers = new java.util.concurrent.ArrayBlockingQueue<>(READERS);
  private final List<Reader> allReaders = new ArrayList<>();

  /** A read-only connection and its prepared statements, used by one reader at a time. */
  private record Reader(Connection connection, SqliteStatements statements) {}

  private Inbox(Path file, boolean temporary, RandomGenerator random) throws IOException {
    this.file = file;
    this.temporary = temporary;
    this.random = random;
    try {
      org.sqlite.SQLiteConfig config = new org.sqlite.SQLiteConfig();
      config.setGetGeneratedKeys(false);
      writer = config.createConnection("jdbc:sqlite:" + file);
      try (Statement s = writer.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute("PRAGMA cache_size=-16384");
        s.execute("CREATE TABLE IF NOT EXISTS messages (ord INTEGER PRIMARY KEY AUTOINCREMENT,"
            + " message_id TEXT NOT NULL UNIQUE, app_key TEXT NOT NULL, from_user TEXT NOT NULL,"
            + " object_name TEXT NOT NULL, content TEXT NOT NULL, server_time INTEGER NOT NULL, client_msg_id TEXT)");
        s.execute("CREATE UNIQUE INDEX IF NOT EXISTS messages_dedup ON messages(app_key, from_user, client_msg_id)"
            + " WHERE client_msg_id IS NOT NULL");
        s.execute("CREATE INDEX IF NOT EXISTS messages_time ON messages(server_time)");
        s.execute("CREATE TABLE IF NOT EXISTS inbox (app_key TEXT NOT NULL, user_id TEXT NOT NULL, seq INTEGER NOT NULL,"
            + " ord INTEGER NOT NULL, server_time INTEGER NOT NULL, PRIMARY KEY (app_key, user_id, seq)) WITHOUT ROWID");
        s.execute("CREATE TABLE IF NOT EXISTS inbox_heads (app_key TEXT NOT NULL, user_id TEXT NOT NULL,"
            + " last_seq INTEGER NOT NULL, PRIMARY KEY (app_key, user_id)) WITHOUT ROWID");
        s.execute("CREATE TABLE IF NOT EXISTS acks (app_key TEXT NOT NULL, user_id TEXT NOT NULL, device_id TEXT NOT NULL,"
            + " up_to_seq INTEGER NOT NULL, PRIMARY KEY (app_key, user_id, device_id)) WITHOUT ROWID");
      }
      for (int i = 0; i < READERS; i++) {
        Connection reader = config.createConnection("jdbc:sqlite:" + file);
        try (Statement s = reader.createStatement()) {
          s.execute("PRAGMA query_only = 1");
        }
        Reader r = new Reader(reader, new SqliteStatements(reader));
        allReaders.add(r);
        readers.add(r);
      }
    } catch (SQLException e) {
      for (Reader r : allReaders) {
        closeQuietly(r);
      }
      throw new IOException("cannot open the message store " + file + ": " + e.getMessage(), e);
    }
    writes = SqliteWriter.builder(writer, "server-inbox").maxBatch(1024)
        .afterFailure(() -> {
          heads.clear();
          dirtyHeads.clear();
        })
        .beforeCommit(this::writeHeads).build();
  }

  /** Opens (creating) {@code <directory>/messages.db}. */
  public static Inbox open(Path directory, RandomGenerator random) throws IOException {
    Files.createDirectories(directory);
    return new Inbox(directory.resolve("messages.db"), false, random);
  }

  /** An inbox in a temporary file, deleted on close: for servers without a data directory. */
  public static Inbox temporary(RandomGenerator random) throws IOException {
    Path dir = Files.createTempDirectory("imlink-server-inbox");
    return new Inbox(dir.resolve("messages.db"), true, random);
  }

  @Override
  public CompletableFuture<Published> publish(String appKey, String from, List<String> to, String objectName,
      String content, String clientMessageId, long now) {
    return writes.submit(c -> {
      String messageId = messageId(now, random);
      PreparedStatement insert = writes.prepared("INSERT INTO messages(message_id, app_key, from_user,"
          + " object_name, content, server_time, client_msg_id) VALUES (?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT DO NOTHING RETURNING ord");
      insert.setString(1, messageId);
      insert.setString(2, appKey);
      insert.setString(3, from);
      insert.setString(4, objectName);
      insert.setString(5, content);
      insert.setLong(6, now);
      if (clientMessageId == null) {
        insert.setNull(7, Types.VARCHAR);
      } else {
        insert.setString(7, clientMessageId);
      }
      long order = -1;
      try (ResultSet rs = insert.executeQuery()) {
        if (rs.next()) {
          order = rs.getLong(1);
        }
      }
      if (order < 0) { // a resend: (app, sender, client message id) is already stored
        PreparedStatement find = writes.prepared(
            "SELECT ord, message_id, server_time FROM messages WHERE app_key = ? AND from_user = ? AND client_msg_id = ?");
        find.setString(1, appKey);
        find.setString(2, from);
        find.setString(3, clientMessageId);
        try (ResultSet rs = find.executeQuery()) {
          if (!rs.next()) { // only two ids of one millisecond with the same 48 random bits get here
            throw new SQLException("message id " + messageId + " is already taken");
          }
          return new Published(rs.getString(2), rs.getLong(3), rs.getLong(1), true, List.of());
        }
      }
      List<Delivery> deliveries = new ArrayList<>(to.size());
      PreparedStatement box = writes.prepared("INSERT INTO inbox(app_key, user_id, seq, ord, server_time) VALUES (?, ?, ?, ?, ?)");
      for (String user : to) {
        long seq = nextSeq(c, appKey, user);
        box.setString(1, appKey);
        box.setString(2, user);
        box.setLong(3, seq);
        box.setLong(4, order);
        box.setLong(5, now);
        box.executeUpdate();
        deliveries.add(new Delivery(user, DeliveredMessage.newBuilder().setSeq(seq).setMessageId(messageId)
            .setFromUserId(from).setObjectName(objectName).setContent(content).setServerTimeMs(now).setOrder(order)
            .setClientMessageId(clientMessageId == null ? "" : clientMessageId).build()));
      }
      return new Published(messageId, now, order, false, deliveries);
    });
  }

  /** A new server message id ({@link MessageIds}). */
  static String messageId(long nowMillis, RandomGenerator random) {
    return MessageIds.next(nowMillis, random);
  }

  /**
   * Writes the inbox heads a batch moved, once per batch (by the writing thread, before the commit),
   * and forgets every head read: the next batch reads them again in its own transaction.
   */
  private Void writeHeads(Connection c) throws SQLException {
    heads.clear();
    if (dirtyHeads.isEmpty()) {
      return null;
    }
    PreparedStatement head = writes.prepared("INSERT INTO inbox_heads(app_key, user_id, last_seq) VALUES (?, ?, ?)"
        + " ON CONFLICT(app_key, user_id) DO UPDATE SET last_seq = excluded.last_seq");
    for (Map.Entry<List<String>, Long> e : dirtyHeads.entrySet()) {
      head.setString(1, e.getKey().get(0));
      head.setString(2, e.getKey().get(1));
      head.setLong(3, e.getValue());
      head.executeUpdate();
    }
    dirtyHeads.clear();
    return null;
  }

  /** The next inbox sequence number of a user (by the writing thread). */
  private long nextSeq(Connection c, String appKey, String user) throws SQLException {
    List<String> key = List.of(appKey, user);
    Long last = heads.get(key);
    if (last == null) {
      PreparedStatement p = writes.prepared("SELECT last_seq FROM inbox_heads WHERE app_key = ? AND user_id = ?");
      p.setString(1, appKey);
      p.setString(2, user);
      try (ResultSet rs = p.executeQuery()) {
        last = rs.next() ? rs.getLong(1) : 0L;
      }
    }
    long next = last + 1;
    heads.put(key, next);
    dirtyHeads.put(key, next);
    return next;
  }

  @Override
  public Page fetch(String appKey, String user, long afterSeq, int maxCount, int maxBytes) throws IOException {
    return read(reads -> {
      PreparedStatement p = reads.get(InboxRows.PAGE_QUERY);
      p.setString(1, appKey);
      p.setString(2, user);
      p.setLong(3, afterSeq);
      p.setInt(4, maxCount);
      List<DeliveredMessage> out;
      try (ResultSet rs = p.executeQuery()) {
        out = InboxRows.page(rs, user, maxBytes);
      }
      int left;
      PreparedStatement count = reads.get(InboxRows.LEFT_QUERY);
      count.setString(1, appKey);
      count.setString(2, user);
      count.setLong(3, InboxRows.lastSeq(out, afterSeq));
      try (ResultSet rs = count.executeQuery()) {
        left = rs.next() ? rs.getInt(1) : 0;
      }
      return new Page(out, left);
    });
  }

  /** A read on one of the read connections (waiting for one if all are busy). */
  private <T> T read(SqlRead<T> read) throws IOException {
    Reader r;
    try {
      r = readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for an inbox reader", e);
    }
    try {
      return read.apply(r.statements());
    } catch (SQLException e) {
      throw new IOException("reading the inbox failed: " + e.getMessage(), e);
    } finally {
      readers.add(r);
    }
  }

  @FunctionalInterface
  private interface SqlRead<T> {
    T apply(SqliteStatements reads) throws SQLException;
  }

  /**
   * Records that a device of a user has stored everything up to {@code upToSeq}. Acknowledgements
   * of one device arriving while one is waiting to be written are folded into it (the highest wins).
   */
  @Override
  public void ack(String appKey, String user, String deviceId, long upToSeq) {
    PendingAcks.Write write = pendingAcks.fold(List.of(appKey, user, deviceId), upToSeq);
    if (write == null) {
      return; // folded into the write already queued
    }
    writes.submit(c -> {
      PreparedStatement p = writes.prepared("INSERT INTO acks(app_key, user_id, device_id, up_to_seq)"
          + " VALUES (?, ?, ?, ?) ON CONFLICT(app_key, user_id, device_id) DO UPDATE SET up_to_seq ="
          + " max(up_to_seq, excluded.up_to_seq)");
      p.setString(1, appKey);
      p.setString(2, user);
      p.setString(3, deviceId);
      p.setLong(4, write.value());
      p.executeUpdate();
      return null;
    }).whenComplete((ignored, e) -> {
      if (e != null) { // the device will acknowledge again; nothing is lost but this record
        log.warn("recording the acknowledgement of {}/{} up to {} failed", user, deviceId, write.failed(), e);
      }
    });
  }

  @Override
  public long acknowledged(String appKey, String user, String deviceId) throws IOException {
    return read(reads -> {
      PreparedStatement p = reads.get("SELECT up_to_seq FROM acks WHERE app_key = ? AND user_id = ? AND device_id = ?");
      p.setString(1, appKey);
      p.setString(2, user);
      p.setString(3, deviceId);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    });
  }

  @Override
  public int readConcurrency() {
    return READERS;
  }

  /** Drops inbox rows and messages stored before {@code beforeMs} (the retention). */
  @Override
  public CompletableFuture<Integer> prune(long beforeMs) {
    return writes.submit(c -> {
      PreparedStatement box = writes.prepared("DELETE FROM inbox WHERE server_time < ?");
      box.setLong(1, beforeMs);
      int n = box.executeUpdate();
      PreparedStatement msgs = writes.prepared("DELETE FROM messages WHERE server_time < ?");
      msgs.setLong(1, beforeMs);
      msgs.executeUpdate();
      return n;
    });
  }

  private static void closeQuietly(Reader r) {
    r.statements().close();
    try {
      r.connection().close();
    } catch (SQLException e) {
      log.warn("closing an inbox reader failed", e);
    }
  }

  @Override
  public void close() {
    writes.close(); // with the writer's prepared statements
    for (int i = 0; i < READERS; i++) {
      try { // a read still running gives its connection back first
        Reader r = readers.poll(5, java.util.concurrent.TimeUnit.SECONDS);
        if (r == null) {
          log.warn("an inbox read did not finish within 5 s of close; closing its connection anyway");
          break;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Reader r : allReaders) {
      closeQuietly(r);
    }
    try {
      writer.close();
    } catch (SQLException e) {
      log.warn("closing the inbox writer failed", e);
    }
    if (temporary) {
      for (String suffix : new String[] {"", "-wal", "-shm"}) {
        try {
          Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
        } catch (IOException ignored) {
          // best effort
        }
      }
      try {
        Files.deleteIfExists(file.getParent());
      } catch (IOException ignored) {
        // best effort
      }
    }
  }
}
