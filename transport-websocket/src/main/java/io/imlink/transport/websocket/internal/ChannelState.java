package io.imlink.transport.websocket.internal;

import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.api.spi.RemoteCloseException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.java_websocket.framing.CloseFrame;

/**
 * What the client and server channels share: delivering frames to the handler, remembering the
 * first error, turning an imlink close code into a WebSocket close frame, and turning a WebSocket
 * close (code, reason) into exactly one {@link FrameHandler#onClosed} with a cause: a close code
 * from 4000 to 4999 that this side did not send itself is the peer's {@link RemoteCloseException}.
 */
final class ChannelState {
  private static final System.Logger log = System.getLogger(ChannelState.class.getName());

  private final FrameChannel channel;
  private final int maxFrameSize;
  private volatile FrameHandler handler;
  private volatile Throwable cause;
  private volatile boolean silenced;
  /** The close code this side sent, if it closed first; {@link CloseFrame#NOCODE} until then. */
  private volatile int sentCloseCode = CloseFrame.NOCODE;
  private final AtomicBoolean closeReported = new AtomicBoolean();

  ChannelState(FrameChannel channel, int maxFrameSize) {
    this.channel = channel;
    this.maxFrameSize = maxFrameSize;
  }

  void handler(FrameHandler h) {
    this.handler = h;
  }

  FrameHandler handler() {
    return handler;
  }

  /** Stops reporting anything (a client channel whose connect was cancelled). */
  void silence() {
    silenced = true;
  }

  void checkOutgoing(byte[] frame) {
    if (frame.length > maxFrameSize) {
      throw new IllegalArgumentException(
          "frame of " + frame.length + " bytes exceeds the maximum frame size of " + maxFrameSize + " bytes");
    }
  }

  /**
   * Delivers one message; returns what the handler threw, an {@link Error} included (the caller
   * closes), else null.
   */
  Throwable deliver(ByteBuffer message) {
    FrameHandler h = handler;
    if (h == null || silenced || cause != null) {
      return null;
    }
    byte[] frame = new byte[message.remaining()];
    message.get(frame);
    try {
      h.onFrame(channel, frame);
      return null;
    } catch (RuntimeException | Error e) {
      failed(e);
      return e;
    }
  }

  /**
   * This side closes with the imlink {@code code}: returns the WebSocket close code that carries it,
   * remembered so that the peer's echo of it is not taken for the peer's own close. Called at most
   * once per channel (the channels call it only for their first close).
   */
  int closingWith(int code) {
    int ws = RemoteCloseException.toWebSocketCode(code);
    sentCloseCode = ws;
    return ws;
  }

  /** The close frame's reason for the imlink {@code code} and {@code reason}. */
  static String closeReason(int code, String reason) {
    return RemoteCloseException.toWebSocketReason(code, reason);
  }

  void failed(Throwable t) {
    if (cause == null) {
      cause = t;
    }
  }

  /** Reports the close once: null cause for a normal close without an error. */
  void closed(int code, String reason) {
    FrameHandler h = handler;
    if (h == null || silenced || !closeReported.compareAndSet(false, true)) {
      return;
    }
    Throwable c = cause;
    if (code == CloseFrame.TOOBIG && !(c instanceof FrameTooLargeException)) {
      c = new FrameTooLargeException(-1, maxFrameSize);
    } else if (c == null) {
      Optional<RemoteCloseException> remote = RemoteCloseException.fromWebSocketCode(code, reason);
      if (remote.isPresent()) {
        if (code != sentCloseCode) {
          c = remote.get(); // the peer's own close; the echo of ours is an orderly end
        }
      } else if (code != CloseFrame.NORMAL && code != CloseFrame.GOING_AWAY) {
        c = new IOException("WebSocket closed abnormally: code " + code + (reason == null || reason.isEmpty() ? "" : ", " + reason));
      }
    }
    try {
      h.onClosed(channel, c);
    } catch (RuntimeException | Error e) {
      log.log(Level.WARNING, "FrameHandler.onClosed threw; ignored", e);
    }
  }
}
