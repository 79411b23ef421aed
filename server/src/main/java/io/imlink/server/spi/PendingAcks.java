package io.imlink.server.spi;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Device acknowledgements waiting to be written, folded per (app, user, device): while one write
 * for a device is queued, later acknowledgements of it only raise the value that write takes (the
 * highest wins), so a chatty device costs one row write per batch, not one per acknowledgement.
 * For {@link InboxStore#ack} implementations.
 *
 * <p>Thread safety: every method may be called from any thread; a {@link Write} belongs to the one
 * queued write that made it.
 */
public final class PendingAcks {
  private final ConcurrentHashMap<List<String>, Long> waiting = new ConcurrentHashMap<>();

  /** The share of one queued write. */
  public final class Write {
    private final List<String> key;
    private final long first;
    private long taken = -1;

    private Write(List<String> key, long first) {
      this.key = key;
      this.first = first;
    }

    /** The (app, user, device) it writes for. */
    public List<String> key() {
      return key;
    }

    /**
     * The value to write: the highest folded for its key, taken out of the waiting ones at the
     * first call (so that a run again of the write, after its batch failed, writes the same).
     */
    public synchronized long value() {
      if (taken < 0) {
        Long w = waiting.remove(key);
        taken = w == null ? first : w;
      }
      return taken;
    }

    /**
     * The write will not happen: the next acknowledgement queues a new one (else later ones would
     * fold into it for ever). Returns the value it held, for the log; the device acknowledges again.
     */
    public synchronized long failed() {
      if (taken < 0) {
        Long w = waiting.remove(key);
        return w == null ? first : w;
      }
      return taken;
    }
  }

  /**
   * Folds an acknowledgement in.
   *
   * @param key app key, user id, device id
   * @return the write to queue, or null if one is queued already and takes this value
   */
  public Write fold(List<String> key, long upToSeq) {
    boolean[] first = {false};
    waiting.compute(key, (k, w) -> {
      if (w == null) {
        first[0] = true;
        return upToSeq;
      }
      return Math.max(w, upToSeq);
    });
    return first[0] ? new Write(key, upToSeq) : null;
  }
}
