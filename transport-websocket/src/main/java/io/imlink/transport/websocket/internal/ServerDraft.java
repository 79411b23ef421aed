package io.imlink.transport.websocket.internal;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import org.java_websocket.drafts.Draft;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.exceptions.InvalidDataException;
import org.java_websocket.framing.Framedata;
import org.java_websocket.protocols.Protocol;

/**
 * The server's RFC 6455 draft: Java-WebSocket's, with a {@link FrameGuard} in front of its frame
 * decoder. Bytes the guard refuses never reach the decoder; the connection ({@link
 * GuardedConnection}) reads the refusal and closes with its code. The library copies the draft for
 * each connection ({@link #copyInstance}), so each connection has its own guard.
 *
 * <p>Thread: as {@link FrameGuard}, used by one decoder thread at a time. Never blocks.
 */
final class ServerDraft extends Draft_6455 {
  private final int maxFrameSize;
  private final FrameGuard guard;

  ServerDraft(int maxFrameSize) {
    super(Collections.emptyList(), List.of(new Protocol("")), maxFrameSize);
    this.maxFrameSize = maxFrameSize;
    this.guard = new FrameGuard(maxFrameSize);
  }

  /** The guard's refusal, or null. */
  FrameGuard.Refusal refusal() {
    return guard.refusal();
  }

  @Override
  public Draft copyInstance() {
    return new ServerDraft(maxFrameSize);
  }

  /** Decodes what the guard lets through and drops the rest: the refused frame and all after it. */
  @Override
  public List<Framedata> translateFrame(ByteBuffer buffer) throws InvalidDataException {
    int passed = guard.scan(buffer);
    if (passed == buffer.remaining()) {
      return super.translateFrame(buffer);
    }
    int end = buffer.limit();
    List<Framedata> frames = Collections.emptyList();
    if (passed > 0) {
      buffer.limit(buffer.position() + passed);
      try {
        frames = super.translateFrame(buffer);
      } finally {
        buffer.limit(end);
      }
    }
    buffer.position(end);
    return frames;
  }
}
