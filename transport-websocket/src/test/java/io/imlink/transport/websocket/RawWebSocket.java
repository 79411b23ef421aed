package io.imlink.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.tck.Network;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A WebSocket client written by hand over a plain socket, for sending what no library would:
 * unmasked frames, endless fragments, bad close frames, oversized handshakes.
 *
 * <p>Thread safety: none; one test thread. Reads block, bounded by the socket timeout.
 */
final class RawWebSocket implements AutoCloseable {
  static final String UPGRADE = "GET /im HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

  /** A received frame. */
  record Frame(boolean fin, int opcode, byte[] payload) {
    /** A close frame's code. */
    int closeCode() {
      return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
    }
  }

  final Socket socket;
  final OutputStream out;
  final DataInputStream in;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(5_000);
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Connects, without a handshake. */
  static RawWebSocket connect(int port) throws IOException {
    return new RawWebSocket(new Socket(Network.loopback(), port));
  }

  /** Connects and completes the upgrade to {@code /im}. */
  static RawWebSocket open(int port) throws IOException {
    RawWebSocket ws = connect(port);
    ws.out.write(UPGRADE.getBytes(StandardCharsets.US_ASCII));
    ws.out.flush();
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = ws.in.read();
      assertThat(b).as("the handshake answer").isNotNegative();
      head.append((char) b);
    }
    assertThat(head.toString()).startsWith("HTTP/1.1 101");
    return ws;
  }

  /** Writes one frame, masked as a client must unless {@code masked} is false. */
  void send(boolean fin, int opcode, byte[] payload, boolean masked) throws IOException {
    ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
    f.write((fin ? 0x80 : 0) | opcode);
    int mask = masked ? 0x80 : 0;
    if (payload.length <= 125) {
      f.write(mask | payload.length);
    } else if (payload.length <= 0xffff) {
      f.write(mask | 126);
      f.write(payload.length >>> 8);
      f.write(payload.length & 0xff);
    } else {
      f.write(mask | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        f.write((int) ((long) payload.length >>> shift) & 0xff);
      }
    }
    byte[] key = {0x37, (byte) 0xfa, 0x21, 0x3d};
    if (masked) {
      f.write(key, 0, 4);
      byte[] m = payload.clone();
      for (int i = 0; i < m.length; i++) {
        m[i] ^= key[i & 3];
      }
      f.write(m, 0, m.length);
    } else {
      f.write(payload, 0, payload.length);
    }
    out.write(f.toByteArray());
    out.flush();
  }

  /** Reads the next frame from the server; fails the test on EOF. */
  Frame read() throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long length = b1 & 0x7f;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame((b0 & 0x80) != 0, b0 & 0x0f, payload);
  }

  /** Reads frames until a close frame, which it returns. */
  Frame readClose() throws IOException {
    Frame f;
    do {
      f = read();
    } while (f.opcode() != 0x8);
    return f;
  }

  /** Whether the server ends the TCP connection (EOF or reset) within {@code bound}. */
  boolean endsWithin(Duration bound) throws IOException {
    long deadline = System.nanoTime() + bound.toNanos();
    InputStream raw = socket.getInputStream();
    byte[] sink = new byte[4096];
    try {
      while (true) {
        long left = Duration.ofNanos(deadline - System.nanoTime()).toMillis();
        if (left <= 0) {
          return false;
        }
        socket.setSoTimeout((int) left);
        if (raw.read(sink) < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException | EOFException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
