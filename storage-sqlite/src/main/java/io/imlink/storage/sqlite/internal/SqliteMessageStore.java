package io.imlink.storage.sqlite.internal;

import io.imlink.api.Conversation;
import io.imlink.api.ConversationType;
import io.imlink.api.Message;
import io.imlink.api.MessageDirection;
import io.imlink.api.MessageStatus;
import io.imlink.api.spi.MessageStore;
import io.imlink.sqlite.support.SqliteStatements;
import io.imlink.sqlite.support.SqliteWriter;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A user's store in one SQLite file (WAL mode).
 *
 * <p><b>Writes</b> go through a {@link SqliteWriter}: each batch takes everything queued (up to
 * {@value #MAX_BATCH} operations) into one transaction, on the store's own writer thread or the
 * engine's executor; futures complete after the commit, on that thread. <b>Reads</b> use a second
 * connection, so they never wait for the writer; WAL lets them see every committed transaction.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class SqliteMessageStore implements MessageStore {
  private static final System.Logger log = System.getLogger(SqliteMessageStore.class.getName());
  static final int MAX_BATCH = 1024;
  /**
   * What every method throws after {@link #close()}. It can reach apps (an engine's read racing its
   * disconnect), so it names no file: the path holds the user's id and the app's directories.
   */
  static final String CLOSED = "store is closed";

  private static final String COLUMNS = "local_id, conv_type, target_id, direction, sender, object_name, content,"
      + " client_msg_id, server_msg_id, sent_time, order_key, status, error_code, local_time";

  private final String providerName;
  private final Path file;
  private final Connection writer;
  private final Connection reader;
  private final Object readLock = new Object();
  private final SqliteStatements reads; // guarded by readLock
  private final SqliteWriter writes;
  /**
   * The messages inserted as SENDING since the store opened, by local id, until marked sent or
   * failed: markSent answers from here instead of reading each row back. Owned by the writer
   * (like nextLocalId); cleared when a batch is rolled back, since its ids are used again.
   */
  private final Map<Long, Message> sending = new HashMap<>();
  /** The next local id to assign; owned by whichever thread holds the writer (see SqliteWriter). */
  private long nextLocalId;
  private volatile boolean closed;

  SqliteMessageStore(String providerName, Path file, Connection writer, Connection reader, Executor writeExecutor) {
    this.providerName = providerName;
    this.file = file;
    this.writer = writer;
    this.reader = reader;
    this.reads = new SqliteStatements(reader);
    this.nextLocalId = maxLocalId() + 1;
    // After a rolled-back write, whatever ids it took are free again.
    SqliteWriter.Builder w = SqliteWriter.builder(writer, file.getParent().getFileName().toString()).maxBatch(MAX_BATCH)
        .afterFailure(() -> {
          nextLocalId = maxLocalId() + 1;
          sending.clear();
        });
    this.writes = (writeExecutor == null ? w : w.executor(writeExecutor)).build();
  }

  @Override
  public String providerName() {
    return providerName;
  }

  /** How many write transactions have committed (writes are batched: usually far fewer than writes). */
  public long transactionCount() {
    return writes.transactionCount();
  }

  // ---- the writer ------------------------------------------------------------------------------

  /** The highest local id ever used (AUTOINCREMENT never reuses one). */
  private long maxLocalId() {
    try (Statement s = writer.createStatement();
        ResultSet rs = s.executeQuery("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0),"
            + " coalesce((SELECT max(local_id) FROM messages), 0))")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the last local id of " + file, e);
    }
  }

  private <T> CompletableFuture<T> submit(SqliteWriter.Body<T> body) {
    if (closed) {
      throw new IllegalStateException(CLOSED);
    }
    try {
      return writes.submit(body);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(CLOSED, e); // closed meanwhile: the writer names its database
    }
  }

  // ---- writes ----------------------------------------------------------------------------------

  @Override
  public CompletableFuture<List<Message>> insertMessages(List<Message> messages) {
    List<Message> copy = List.copyOf(messages);
    return submit(c -> insert(copy));
  }

  @Override
  public CompletableFuture<List<Message>> insertMessages(List<Message> messages, String cursorName, long cursorValue) {
    List<Message> copy = List.copyOf(messages);
    Objects.requireNonNull(cursorName, "cursorName");
    return submit(c -> {
      List<Message> stored = insert(copy);
      cursor(cursorName, cursorValue);
      return stored;
    });
  }

  /** Inserts messages (by the writing thread, in its transaction). */
  private List<Message> insert(List<Message> copy) throws SQLException {
    // Local ids are assigned here, by the only writer: no result set per row. One execution per
    // row, not the driver's batch: its batch array only grows, and is cleared whole on every use.
    PreparedStatement insert = writes.prepared("INSERT OR IGNORE INTO messages(local_id, conv_type, target_id, direction,"
        + " sender, object_name, content, client_msg_id, server_msg_id, sent_time, order_key, status, error_code,"
        + " local_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    long firstId = nextLocalId;
    List<Message> stored = new ArrayList<>(copy.size());
    Map<List<Object>, Integer> unread = new LinkedHashMap<>();
    for (int i = 0; i < copy.size(); i++) {
      Message m = copy.get(i);
      insert.setLong(1, firstId + i);
      insert.setInt(2, m.conversationType().code());
      insert.setString(3, m.targetId());
      insert.setInt(4, m.direction().code());
      insert.setString(5, m.senderUserId());
      insert.setString(6, m.objectName());
      insert.setString(7, m.content());
      setNullable(insert, 8, m.clientMessageId());
      setNullable(insert, 9, m.serverMessageId());
      insert.setLong(10, m.sentTime());
      insert.setLong(11, m.orderKey());
      insert.setInt(12, m.status().code());
      insert.setInt(13, m.errorCode());
      insert.setLong(14, m.localTime());
      if (insert.executeUpdate() == 0) {
        continue; // a duplicate: ignored by a unique index (its id stays unused)
      }
      Message inserted = m.withLocalId(firstId + i);
      stored.add(inserted);
      if (m.status() == MessageStatus.SENDING) {
        sending.put(inserted.localId(), inserted);
      }
      boolean counts = m.direction() == MessageDirection.RECEIVE && m.status() == MessageStatus.RECEIVED;
      unread.merge(List.of(m.conversationType().code(), m.targetId()), counts ? 1 : 0, Integer::sum);
    }
    nextLocalId = firstId + copy.size();
    PreparedStatement conv = writes.prepared("INSERT INTO conversations(conv_type, target_id, unread) VALUES (?, ?, ?)"
        + " ON CONFLICT(conv_type, target_id) DO UPDATE SET unread = unread + excluded.unread");
    for (Map.Entry<List<Object>, Integer> e : unread.entrySet()) {
      conv.setInt(1, (Integer) e.getKey().get(0));
      conv.setString(2, (String) e.getKey().get(1));
      conv.setInt(3, e.getValue());
      conv.executeUpdate();
    }
    return stored;
  }

  private static void setNullable(PreparedStatement p, int index, String value) throws SQLException {
    if (value == null) {
      p.setNull(index, Types.VARCHAR);
    } else {
      p.setString(index, value);
    }
  }

  @Override
  public CompletableFuture<Optional<Message>> markSent(long localId, String serverMessageId, long sentTime, long orderKey) {
    return submit(c -> sent(new Sent(localId, serverMessageId, sentTime, orderKey)));
  }

  @Override
  public CompletableFuture<List<Optional<Message>>> markSent(List<Sent> sent) {
    List<Sent> copy = List.copyOf(sent);
    return submit(c -> {
      List<Optional<Message>> updated = new ArrayList<>(copy.size());
      for (Sent s : copy) {
        updated.add(sent(s));
      }
      return updated;
    });
  }

  /** Records one acceptance (by the writing thread, in its transaction). */
  private Optional<Message> sent(Sent s) throws SQLException {
    Message known = sending.remove(s.localId());
    if (known != null) {
      // Sent by this store since it opened: the row is the one inserted, so no need to read it back.
      PreparedStatement p = writes.prepared("UPDATE messages SET status = ?, server_msg_id = ?, sent_time = ?,"
          + " order_key = ?, error_code = 0 WHERE local_id = ?");
      p.setInt(1, MessageStatus.SENT.code());
      setNullable(p, 2, s.serverMessageId());
      p.setLong(3, s.sentTime());
      p.setLong(4, s.orderKey());
      p.setLong(5, s.localId());
      if (p.executeUpdate() == 1) {
        return Optional.of(known.withSent(s.serverMessageId(), s.sentTime(), s.orderKey()));
      }
    }
    PreparedStatement p = writes.prepared("UPDATE messages SET status = ?, server_msg_id = ?, sent_time = ?, order_key = ?,"
        + " error_code = 0 WHERE local_id = ? RETURNING " + COLUMNS);
    p.setInt(1, MessageStatus.SENT.code());
    setNullable(p, 2, s.serverMessageId());
    p.setLong(3, s.sentTime());
    p.setLong(4, s.orderKey());
    p.setLong(5, s.localId());
    return first(p);
  }

  @Override
  public CompletableFuture<Optional<Message>> markFailed(long localId, int errorCode) {
    return submit(c -> {
      sending.remove(localId);
      PreparedStatement p = writes.prepared("UPDATE messages SET status = ?, error_code = ? WHERE local_id = ? RETURNING " + COLUMNS);
      p.setInt(1, MessageStatus.FAILED.code());
      p.setInt(2, errorCode);
      p.setLong(3, localId);
      return first(p);
    });
  }

  @Override
  public CompletableFuture<Integer> markRead(ConversationType type, String targetId) {
    return submit(c -> {
      PreparedStatement read = writes.prepared("UPDATE messages SET status = ? WHERE conv_type = ? AND target_id = ? AND status = ?");
      read.setInt(1, MessageStatus.READ.code());
      read.setInt(2, type.code());
      read.setString(3, targetId);
      read.setInt(4, MessageStatus.RECEIVED.code());
      read.executeUpdate();
      PreparedStatement unread = writes.prepared("SELECT unread FROM conversations WHERE conv_type = ? AND target_id = ?");
      unread.setInt(1, type.code());
      unread.setString(2, targetId);
      int count;
      try (ResultSet rs = unread.executeQuery()) {
        count = rs.next() ? rs.getInt(1) : 0;
      }
      PreparedStatement clear = writes.prepared("UPDATE conversations SET unread = 0 WHERE conv_type = ? AND target_id = ?");
      clear.setInt(1, type.code());
      clear.setString(2, targetId);
      clear.executeUpdate();
      return count;
    });
  }

  @Override
  public CompletableFuture<Void> putCursor(String name, long value) {
    return submit(c -> {
      cursor(name, value);
      return null;
    });
  }

  private void cursor(String name, long value) throws SQLException {
    PreparedStatement p = writes.prepared("INSERT INTO cursors(name, value) VALUES (?, ?)"
        + " ON CONFLICT(name) DO UPDATE SET value = excluded.value");
    p.setString(1, name);
    p.setLong(2, value);
    p.executeUpdate();
  }

  @Override
  public CompletableFuture<Void> putSetting(String key, String value) {
    return submit(c -> {
      if (value == null) {
        PreparedStatement p = writes.prepared("DELETE FROM settings WHERE key = ?");
        p.setString(1, key);
        p.executeUpdate();
      } else {
        PreparedStatement p = writes.prepared("INSERT INTO settings(key, value) VALUES (?, ?)"
            + " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        p.setString(1, key);
        p.setString(2, value);
        p.executeUpdate();
      }
      return null;
    });
  }

  // ---- reads -----------------------------------------------------------------------------------

  /** A read on the reader connection. */
  @FunctionalInterface
  private interface ReadBody<T> {
    T apply() throws SQLException;
  }

  private <T> T read(ReadBody<T> body) throws IOException {
    synchronized (readLock) {
      if (closed) {
        throw new IllegalStateException(CLOSED);
      }
      try {
        return body.apply();
      } catch (SQLException e) {
        throw new IOException("reading the store failed: " + e.getMessage(), e);
      }
    }
  }

  private static Optional<Message> first(PreparedStatement p) throws SQLException {
    try (ResultSet rs = p.executeQuery()) {
      return rs.next() ? Optional.of(row(rs, 0)) : Optional.empty();
    }
  }

  private static List<Message> all(PreparedStatement p) throws SQLException {
    List<Message> out = new ArrayList<>();
    try (ResultSet rs = p.executeQuery()) {
      while (rs.next()) {
        out.add(row(rs, 0));
      }
    }
    return out;
  }

  /** The message in the 14 columns of {@link #COLUMNS} after {@code offset}. */
  private static Message row(ResultSet rs, int offset) throws SQLException {
    return new Message(
        rs.getLong(offset + 1),
        ConversationType.of(rs.getInt(offset + 2)),
        rs.getString(offset + 3),
        MessageDirection.of(rs.getInt(offset + 4)),
        rs.getString(offset + 5),
        rs.getString(offset + 6),
        rs.getString(offset + 7),
        rs.getString(offset + 8),
        rs.getString(offset + 9),
        rs.getLong(offset + 10),
        rs.getLong(offset + 11),
        MessageStatus.of(rs.getInt(offset + 12)),
        rs.getInt(offset + 13),
        rs.getLong(offset + 14));
  }

  @Override
  public Optional<Message> findByLocalId(long localId) throws IOException {
    return read(() -> {
      PreparedStatement p = reads.get("SELECT " + COLUMNS + " FROM messages WHERE local_id = ?");
      p.setLong(1, localId);
      return first(p);
    });
  }

  @Override
  public Optional<Message> findByClientMessageId(String senderUserId, String clientMessageId) throws IOException {
    return read(() -> {
      PreparedStatement p = reads.get("SELECT " + COLUMNS + " FROM messages WHERE sender = ? AND client_msg_id = ?");
      p.setString(1, senderUserId);
      p.setString(2, clientMessageId);
      return first(p);
    });
  }

  @Override
  public Optional<Message> findByServerMessageId(String serverMessageId) throws IOException {
    return read(() -> {
      PreparedStatement p = reads.get("SELECT " + COLUMNS + " FROM messages WHERE server_msg_id = ?");
      p.setString(1, serverMessageId);
      return first(p);
    });
  }

  @Override
  public List<Message> history(ConversationType type, String targetId, Message before, int limit) throws IOException {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be at least 1, got " + limit);
    }
    return read(() -> {
      PreparedStatement p = reads.get("SELECT " + COLUMNS + " FROM messages WHERE conv_type = ? AND target_id = ?"
          + " AND (order_key, local_id) < (?, ?) ORDER BY order_key DESC, local_id DESC LIMIT ?");
      p.setInt(1, type.code());
      p.setString(2, targetId);
      p.setLong(3, before == null ? Long.MAX_VALUE : before.orderKey());
      p.setLong(4, before == null ? Long.MAX_VALUE : before.localId());
      p.setInt(5, limit);
      return all(p);
    });
  }

  private static final String CONVERSATIONS = "SELECT c.conv_type, c.target_id, c.unread, m." + COLUMNS.replace(", ", ", m.")
      + " FROM conversations c JOIN messages m ON m.local_id = (SELECT local_id FROM messages"
      + " WHERE conv_type = c.conv_type AND target_id = c.target_id ORDER BY order_key DESC, local_id DESC LIMIT 1)";

  private static Conversation conversationRow(ResultSet rs) throws SQLException {
    return new Conversation(ConversationType.of(rs.getInt(1)), rs.getString(2), row(rs, 3), rs.getInt(3));
  }

  @Override
  public List<Conversation> conversations(int limit) throws IOException {
    return read(() -> {
      PreparedStatement p = reads.get(CONVERSATIONS + " ORDER BY m.order_key DESC, m.local_id DESC LIMIT ?");
      p.setInt(1, limit);
      List<Conversation> out = new ArrayList<>();
      try (ResultSet rs = p.executeQuery()) {
        while (rs.next()) {
          out.add(conversationRow(rs));
        }
      }
      return out;
    });
  }

  @Override
  public Optional<Conversation> conversation(ConversationType type, String targetId) throws IOException {
    return read(() -> {
      PreparedStatement p = reads.get(CONVERSATIONS + " WHERE c.conv_type = ? AND c.target_id = ?");
      p.setInt(1, type.code());
      p.setString(2, targetId);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? Optional.of(conversationRow(rs)) : Optional.empty();
      }
    });
  }

  @Override
  public int totalUnreadCount() throws IOException {
    return read(() -> {
      try (ResultSet rs = reads.get("SELECT coalesce(sum(unread), 0) FROM conversations").executeQuery()) {
        return rs.next() ? rs.getInt(1) : 0;
      }
    });
  }

  @Override
  public List<Message> pendingSends(int limit) throws IOException {
    return read(() -> {
      PreparedStatement p = reads.get("SELECT " + COLUMNS + " FROM messages WHERE status = 0 ORDER BY local_id LIMIT ?");
      p.setInt(1, limit);
      return all(p);
    });
  }

  @Override
  public OptionalLong getCursor(String name) throws IOException {
    return read(() -> {
      PreparedStatement p = reads.get("SELECT value FROM cursors WHERE name = ?");
      p.setString(1, name);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
      }
    });
  }

  @Override
  public Optional<String> getSetting(String key) throws IOException {
    return read(() -> {
      PreparedStatement p = reads.get("SELECT value FROM settings WHERE key = ?");
      p.setString(1, key);
      try (ResultSet rs = p.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    });
  }

  // ---- close -----------------------------------------------------------------------------------

  @Override
  public void close() throws IOException {
    synchronized (readLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    writes.close(); // finishes the writes already called
    synchronized (readLock) {
      reads.close();
      closeQuietly(reader);
    }
    closeQuietly(writer); // its statements were closed with the writer
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      log.log(Level.WARNING, "closing a SQLite connection failed", e);
    }
  }

  @Override
  public String toString() {
    return "SqliteMessageStore[" + file + "]";
  }
}
