package io.imlink.protocol;

import com.google.protobuf.CodedOutputStream;
import io.imlink.protocol.v1.Deliver;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.protocol.v1.Frame;

/**
 * Cutting messages into {@code Deliver} frames that fit a frame limit: every page of a sync and
 * every live push is built by {@link #cost}ing its messages against a {@link #budget}.
 *
 * <p>Thread safety: functions are pure; a {@link Room} belongs to one page being built.
 */
public final class DeliverPages {
  /**
   * What a {@code Deliver} frame adds around its messages, at most: the frame's tag and length
   * (1 + 5), {@code left} (1 + 5) and {@code offline} (1 + 1).
   */
  static final int OVERHEAD = 1 + 5 + 1 + 5 + 1 + 1;

  private DeliverPages() {}

  /** The bytes of messages a {@code Deliver} frame of at most {@code maxFrameBytes} can hold. */
  public static int budget(int maxFrameBytes) {
    return maxFrameBytes - OVERHEAD;
  }

  /** The bytes {@code m} adds to a {@code Deliver}. */
  public static int cost(DeliveredMessage m) {
    return CodedOutputStream.computeMessageSize(Deliver.MESSAGES_FIELD_NUMBER, m);
  }

  /**
   * What is left of a page's byte budget as messages are added to it. Not thread-safe: one per page
   * being built.
   */
  public static final class Room {
    private int bytes;

    /** A page that may hold messages costing up to {@code bytes} (see {@link #budget}). */
    public Room(int bytes) {
      this.bytes = bytes;
    }

    /** Takes {@code m}'s cost from the room if it fits; false (and nothing taken) if not. */
    public boolean take(DeliveredMessage m) {
      int cost = cost(m);
      if (cost > bytes) {
        return false;
      }
      bytes -= cost;
      return true;
    }
  }

  /** The frame of a page. */
  public static Frame frame(Iterable<DeliveredMessage> messages, int left, boolean offline) {
    return Frame.newBuilder().setDeliver(Deliver.newBuilder().addAllMessages(messages).setLeft(left)
        .setOffline(offline)).build();
  }
}
