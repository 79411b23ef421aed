package io.imlink.transport.websocket.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.java_websocket.framing.CloseFrame;

/**
 * Checks what a client sends, frame header by frame header as the bytes arrive, before
 * Java-WebSocket decodes them: RFC 6455 §5 as it binds a server (every client frame masked, no
 * reserved bits, known opcodes, control frames whole and at most 125 bytes, a valid close code and
 * a UTF-8 close reason, continuation frames only inside a fragmented message) and the imlink rules
 * (binary messages only; a message, whether one frame or many fragments, at most the maximum frame
 * size). A message's fragments are counted as their headers arrive, so a message over the limit is
 * refused before the library buffers the fragment that passes it; the library itself checks the
 * total of the fragments only at the last one.
 *
 * <p>The first violation is the {@link #refusal()}: its close code (1002, 1003, 1007 or 1009) and
 * reason; the guard then passes nothing more. The library therefore only ever sees well-formed
 * frames, and never takes its own error path (which logs each malformed frame as an error with a
 * stack trace, and on a close reason that is not UTF-8 fails with a NullPointerException and
 * leaves the connection open).
 *
 * <p>Thread: not thread-safe; one per connection, fed by the library's decoder thread for that
 * connection, which never decodes one connection on two threads at once. Never blocks.
 */
final class FrameGuard {
  /** Why a client's input was refused: the close code to answer with and a short reason. */
  record Refusal(int code, String reason, long messageBytes) {}

  private static final int CONTINUATION = 0x0;
  private static final int TEXT = 0x1;
  private static final int BINARY = 0x2;
  private static final int CLOSE = 0x8;
  private static final int PING = 0x9;
  private static final int PONG = 0xA;

  private final int maxFrameSize;
  private final byte[] header = new byte[14];
  private int headerBytes; // of the current frame's header, read so far
  private int headerLength; // of the current frame's header, known from its second byte
  private boolean inPayload;
  private long payloadLeft;
  private int opcode;
  private boolean fin;
  /** A binary message has begun and its last fragment has not come yet. */
  private boolean fragmented;
  /** Payload bytes of the current message, counting the whole of the frame being read. */
  private long messageBytes;
  private final byte[] controlPayload = new byte[125];
  private int controlBytes;
  private Refusal refusal;

  FrameGuard(int maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
  }

  /** The first violation, or null while the client keeps to the rules. */
  Refusal refusal() {
    return refusal;
  }

  /**
   * Scans the remaining bytes of {@code buffer}, which follow those scanned before, without moving
   * its position.
   *
   * @return how many of them may be decoded: all, or those before the frame refused (none once a
   *     frame has been refused)
   */
  int scan(ByteBuffer buffer) {
    if (refusal != null) {
      return 0;
    }
    int start = buffer.position();
    int end = buffer.limit();
    int frameStart = start; // where the current frame began, or start if it began in an earlier buffer
    int i = start;
    while (i < end) {
      if (!inPayload) {
        if (headerBytes == 0) {
          frameStart = i;
        }
        header[headerBytes++] = buffer.get(i++);
        if (headerBytes == 2 && !checkFirstTwoBytes()) {
          return frameStart - start;
        }
        if (headerBytes >= 2 && headerBytes == headerLength && !startPayload()) {
          return frameStart - start;
        }
        continue;
      }
      int n = (int) Math.min(payloadLeft, end - i);
      if (opcode == CLOSE) {
        int maskAt = headerLength - 4;
        for (int k = 0; k < n; k++, controlBytes++) {
          controlPayload[controlBytes] = (byte) (buffer.get(i + k) ^ header[maskAt + (controlBytes & 3)]);
        }
      }
      i += n;
      payloadLeft -= n;
      if (payloadLeft == 0 && !endFrame()) {
        return frameStart - start;
      }
    }
    return end - start;
  }

  /** What the first two header bytes alone tell: flags, opcode, mask, the length's form. */
  private boolean checkFirstTwoBytes() {
    int b0 = header[0] & 0xff;
    int b1 = header[1] & 0xff;
    fin = (b0 & 0x80) != 0;
    opcode = b0 & 0x0f;
    int length7 = b1 & 0x7f;
    if ((b0 & 0x70) != 0) {
      return refuse(CloseFrame.PROTOCOL_ERROR, "reserved bits set without an extension");
    }
    if ((b1 & 0x80) == 0) {
      return refuse(CloseFrame.PROTOCOL_ERROR, "unmasked client frame");
    }
    switch (opcode) {
      case CONTINUATION -> {
        if (!fragmented) {
          return refuse(CloseFrame.PROTOCOL_ERROR, "continuation frame outside a fragmented message");
        }
      }
      case BINARY -> {
        if (fragmented) {
          return refuse(CloseFrame.PROTOCOL_ERROR, "new message inside a fragmented one");
        }
      }
      case TEXT -> {
        return refuse(CloseFrame.REFUSE, "text message: imlink frames are binary");
      }
      case CLOSE, PING, PONG -> {
        if (!fin) {
          return refuse(CloseFrame.PROTOCOL_ERROR, "fragmented control frame");
        }
        if (length7 > 125) {
          return refuse(CloseFrame.PROTOCOL_ERROR, "control frame over 125 bytes");
        }
        if (opcode == CLOSE && length7 == 1) {
          return refuse(CloseFrame.PROTOCOL_ERROR, "close frame of 1 byte");
        }
      }
      default -> {
        return refuse(CloseFrame.PROTOCOL_ERROR, "unknown opcode " + opcode);
      }
    }
    headerLength = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;
    return true;
  }

  /** The header is complete: checks the length and the message's running total. */
  private boolean startPayload() {
    int length7 = header[1] & 0x7f;
    long length = length7;
    if (length7 == 126) {
      length = ((header[2] & 0xffL) << 8) | (header[3] & 0xffL);
    } else if (length7 == 127) {
      length = 0;
      for (int k = 2; k < 10; k++) {
        length = (length << 8) | (header[k] & 0xffL);
      }
      if (length < 0) {
        return refuse(CloseFrame.PROTOCOL_ERROR, "frame length with its most significant bit set");
      }
    }
    if (opcode == CONTINUATION || opcode == BINARY) {
      messageBytes = opcode == BINARY ? length : messageBytes + length;
      if (messageBytes > maxFrameSize) {
        return refuse(CloseFrame.TOOBIG, (opcode == BINARY ? "frame of " : "fragments of ") + messageBytes
            + " bytes exceed the maximum frame size of " + maxFrameSize + " bytes");
      }
      fragmented = !fin;
    }
    controlBytes = 0;
    payloadLeft = length;
    inPayload = true;
    return payloadLeft > 0 || endFrame();
  }

  /** The frame's payload is complete: checks a close frame's code and reason. */
  private boolean endFrame() {
    inPayload = false;
    headerBytes = 0;
    if (opcode != CLOSE || controlBytes == 0) {
      return true;
    }
    int code = ((controlPayload[0] & 0xff) << 8) | (controlPayload[1] & 0xff);
    if (!(code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999)) {
      return refuse(CloseFrame.PROTOCOL_ERROR, "close code " + code + " may not be sent");
    }
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(controlPayload, 2, controlBytes - 2));
    } catch (CharacterCodingException e) {
      return refuse(CloseFrame.NO_UTF8, "close reason is not UTF-8");
    }
    if (code == CloseFrame.NO_UTF8 && controlBytes == 2) {
      // Valid, but the library fails on it (it takes code 1007 without a reason for its own decoding
      // error): answer it here, with the same code.
      return refuse(CloseFrame.NO_UTF8, "closed with 1007");
    }
    return true;
  }

  private boolean refuse(int code, String reason) {
    refusal = new Refusal(code, reason, messageBytes);
    return false;
  }
}
