package io.imlink.server.spi;

import io.imlink.protocol.DeliverPages;
import io.imlink.protocol.v1.DeliveredMessage;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * How a store on SQL reads a page of an inbox, for the stores whose schema has the {@code inbox}
 * and {@code messages} tables of the built-in ones ({@code sqlite}, {@code postgres}): the queries,
 * and the page made from their rows by {@link DeliverPages.Room}, the one page rule.
 *
 * <p>Thread safety: stateless.
 */
public final class InboxRows {
  /**
   * A recipient's inbox after a sequence, with its messages, in order. Parameters: app key, user,
   * the sequence to read after, the most rows.
   */
  public static final String PAGE_QUERY = "SELECT i.seq, m.message_id, m.from_user, m.object_name,"
      + " m.content, m.server_time, m.ord, m.client_msg_id FROM inbox i JOIN messages m ON m.ord = i.ord"
      + " WHERE i.app_key = ? AND i.user_id = ? AND i.seq > ? ORDER BY i.seq LIMIT ?";

  /** How many inbox rows of a recipient follow a sequence. Parameters: app key, user, sequence. */
  public static final String LEFT_QUERY = "SELECT count(*) FROM inbox WHERE app_key = ? AND user_id = ? AND seq > ?";

  private InboxRows() {}

  /** An inbox message that alone costs more than a page holds: it could never be delivered within that frame limit. */
  public static final class TooLarge extends SQLException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message);
    }
  }

  /**
   * The messages of a page, from the rows of {@link #PAGE_QUERY}, as many as fit {@code maxBytes}
   * (the first row that does not fit starts the next page).
   *
   * @throws TooLarge the first row alone does not fit
   */
  public static List<DeliveredMessage> page(ResultSet rows, String user, int maxBytes) throws SQLException {
    List<DeliveredMessage> out = new ArrayList<>();
    DeliverPages.Room room = new DeliverPages.Room(maxBytes);
    while (rows.next()) {
      String clientId = rows.getString(8);
      DeliveredMessage m = DeliveredMessage.newBuilder().setSeq(rows.getLong(1)).setMessageId(rows.getString(2))
          .setFromUserId(rows.getString(3)).setObjectName(rows.getString(4)).setContent(rows.getString(5))
          .setServerTimeMs(rows.getLong(6)).setOrder(rows.getLong(7)).setClientMessageId(clientId == null ? "" : clientId)
          .build();
      if (!room.take(m)) {
        if (out.isEmpty()) {
          throw new TooLarge("inbox message " + m.getSeq() + " of " + user + " needs " + DeliverPages.cost(m)
              + " bytes, more than a page of " + maxBytes + " holds");
        }
        break;
      }
      out.add(m);
    }
    return out;
  }

  /** The last sequence of {@code page}, or {@code otherwise} for an empty one. */
  public static long lastSeq(List<DeliveredMessage> page, long otherwise) {
    return page.isEmpty() ? otherwise : page.get(page.size() - 1).getSeq();
  }
}
