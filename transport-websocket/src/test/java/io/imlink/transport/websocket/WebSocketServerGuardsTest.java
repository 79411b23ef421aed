package io.imlink.transport.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.api.spi.TransportOptions;
import io.imlink.tck.Await;
import io.imlink.tck.RecordingFrameHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the server does with input no WebSocket library would send, written by hand on a raw
 * socket: it refuses it at once, with the RFC 6455 close code, without buffering it, and goes on
 * serving everyone else. The handshake timeout stays at its default (10 s) here, so that whatever
 * closes a connection within the 5 s these tests wait is the guard under test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebSocketServerGuardsTest {
  private static final int MAX = TransportOptions.DEFAULT_MAX_FRAME_SIZE; // 256 KiB
  private static final int BINARY = 0x2;
  private static final int CONTINUATION = 0x0;
  private static final int CLOSE = 0x8;

  private final List<RecordingFrameHandler> accepted = new CopyOnWriteArrayList<>();
  private Acceptor acceptor;
  private int port;

  @BeforeEach
  void bind() throws Exception {
    acceptor = new WebSocketTransportProvider().bind(URI.create("ws://127.0.0.1:0/im"), TransportOptions.defaults(), ch -> {
      RecordingFrameHandler h = RecordingFrameHandler.echo();
      accepted.add(h);
      return h;
    });
    port = acceptor.localAddress().getPort();
  }

  @AfterEach
  void close() {
    acceptor.close();
  }

  /** The server is unharmed: a well-behaved client is served. */
  private void aGoodClientIsStillServed() throws Exception {
    try (RawWebSocket good = RawWebSocket.open(port)) {
      good.send(true, BINARY, new byte[] {4, 2}, true);
      RawWebSocket.Frame echo = good.read();
      assertThat(echo.opcode()).isEqualTo(BINARY);
      assertThat(echo.payload()).containsExactly(4, 2);
    }
  }

  @Test
  void fragmentsAreCountedAsTheyArriveAndTheFragmentPassingTheLimitCloses1009() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(port)) {
      Await.until("the server accepted the connection", () -> accepted.size() == 1);
      byte[] chunk = new byte[64 * 1024];
      // 64 KiB with FIN=0, then continuations of 64 KiB, none with FIN: the fifth passes 256 KiB.
      ws.send(false, BINARY, chunk, true);
      for (int i = 0; i < 4; i++) {
        ws.send(false, CONTINUATION, chunk, true);
      }
      RawWebSocket.Frame close = ws.readClose();
      assertThat(close.closeCode()).isEqualTo(1009);
      assertThat(ws.endsWithin(Duration.ofSeconds(5))).as("the server ends the TCP connection").isTrue();
    }
    RecordingFrameHandler server = accepted.get(0);
    assertThat(server.awaitClosed()).isInstanceOf(FrameTooLargeException.class).hasMessageContaining("327680");
    assertThat(server.pollFrame()).as("no part of the message is delivered").isNull();
    aGoodClientIsStillServed();
  }

  @Test
  void fragmentsUpToTheLimitMakeOneMessage() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(port)) {
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) 7);
      ws.send(false, BINARY, chunk, true);
      ws.send(true, 0x9, new byte[] {1}, true); // a ping between fragments is allowed
      ws.send(false, CONTINUATION, chunk, true);
      ws.send(false, CONTINUATION, chunk, true);
      ws.send(true, CONTINUATION, chunk, true); // 256 KiB exactly
      RawWebSocket.Frame f;
      do {
        f = ws.read();
      } while (f.opcode() != BINARY);
      assertThat(f.payload()).hasSize(MAX);
    }
  }

  @Test
  void anEndlessHandshakeIsCutOffAtTheCap() throws Exception {
    try (RawWebSocket ws = RawWebSocket.connect(port)) {
      OutputStream out = ws.out;
      out.write("GET /im HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Long: ".getBytes(StandardCharsets.US_ASCII));
      byte[] as = new byte[4096];
      Arrays.fill(as, (byte) 'a');
      int sent = 0;
      try {
        while (sent < 1024 * 1024) {
          out.write(as);
          sent += as.length;
        }
        out.flush();
      } catch (IOException reset) {
        // the server closed the connection while we were still writing
      }
      assertThat(ws.endsWithin(Duration.ofSeconds(5))).as("a 1 MiB handshake is cut off").isTrue();
    }
    assertThat(accepted).isEmpty();
    aGoodClientIsStillServed();
  }

  @Test
  void aHandshakeOfAFewKibibytesIsServed() throws Exception {
    try (RawWebSocket ws = RawWebSocket.connect(port)) {
      String header = "X-Padding: " + "p".repeat(6000) + "\r\n";
      ws.out.write(RawWebSocket.UPGRADE.replace("\r\n\r\n", "\r\n" + header + "\r\n").getBytes(StandardCharsets.US_ASCII));
      ws.out.flush();
      assertThat(new String(ws.in.readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 101");
    }
  }

  @Test
  void anUnmaskedClientFrameIsAProtocolError() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(port)) {
      ws.send(true, BINARY, new byte[] {1, 2, 3}, false);
      assertThat(ws.readClose().closeCode()).isEqualTo(1002);
      assertThat(ws.endsWithin(Duration.ofSeconds(5))).isTrue();
    }
    RecordingFrameHandler server = accepted.get(0);
    assertThat(server.awaitClosed()).isInstanceOf(IOException.class).hasMessageContaining("unmasked");
    assertThat(server.pollFrame()).isNull();
    aGoodClientIsStillServed();
  }

  @Test
  void aCloseReasonThatIsNotUtf8Closes1007() throws Exception {
    try (RawWebSocket ws = RawWebSocket.open(port)) {
      ws.send(true, CLOSE, new byte[] {0x03, (byte) 0xe8, (byte) 0xc3, 0x28}, true); // 1000, then a broken sequence
      assertThat(ws.readClose().closeCode()).isEqualTo(1007);
      assertThat(ws.endsWithin(Duration.ofSeconds(5))).isTrue();
    }
    RecordingFrameHandler server = accepted.get(0);
    assertThat(server.awaitClosed()).hasMessageContaining("not UTF-8");
    assertThat(server.closeCount()).isEqualTo(1);
    aGoodClientIsStillServed();
  }

  @Test
  void otherMalformedFramesAreRefusedWithTheirCode() throws Exception {
    int[][] cases = {
        // first byte, second byte (masked, length 0), expected close code
        {0x80 | 0x40 | BINARY, 0x80, 1002}, // RSV1 without an extension
        {0x80 | 0x3, 0x80, 1002}, // reserved opcode
        {0x80 | CONTINUATION, 0x80, 1002}, // a continuation with nothing to continue
        {0x09, 0x80, 1002}, // a fragmented ping
        {0x80 | 0x1, 0x80, 1003}, // text: imlink frames are binary
    };
    for (int[] c : cases) {
      try (RawWebSocket ws = RawWebSocket.open(port)) {
        ws.out.write(new byte[] {(byte) c[0], (byte) c[1], 1, 2, 3, 4});
        ws.out.flush();
        assertThat(ws.readClose().closeCode()).as("frame %02x %02x", c[0], c[1]).isEqualTo(c[2]);
        assertThat(ws.endsWithin(Duration.ofSeconds(5))).isTrue();
      }
    }
    aGoodClientIsStillServed();
  }

  /**
   * A peer that ends the TCP stream right after its close frame is reported with its close code:
   * the end of stream waits for the data read before it (the library reported it at once, as an
   * abnormal close, 1006, whenever the decoder thread had not got to the close frame yet).
   */
  @Test
  void aCloseFrameFollowedAtOnceByTheEndOfTheStreamIsReportedWithItsCode() throws Exception {
    for (int i = 0; i < 20; i++) {
      try (RawWebSocket ws = RawWebSocket.open(port)) {
        int index = i;
        Await.until("the server accepted connection " + i, () -> accepted.size() == index + 1);
        ws.send(true, CLOSE, new byte[] {0x0b, (byte) 0xb9, 'b', 'y', 'e'}, true); // 3001
        ws.socket.shutdownOutput();
      }
      assertThat(accepted.get(i).awaitClosed()).as("connection %d", i).hasMessageContaining("3001, bye");
    }
  }

  /**
   * A flood of malformed frames is logged as a few lines, without stack traces: the library's own
   * error path (an ERROR with a stack trace per frame) is never taken.
   */
  @Test
  void malformedFramesAreLoggedAsAFewLinesWithoutStackTraces() throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int connections = 100;
    try {
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      for (int i = 0; i < connections; i++) {
        try (RawWebSocket ws = RawWebSocket.open(port)) {
          byte[] bad = i % 2 == 0 ? new byte[] {(byte) 0x83, (byte) 0x80, 1, 2, 3, 4} : new byte[] {(byte) 0xc2, (byte) 0x80, 1, 2, 3, 4};
          ws.out.write(bad);
          ws.out.flush();
          assertThat(ws.readClose().closeCode()).isEqualTo(1002);
        }
      }
    } finally {
      System.setErr(stderr);
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertThat(log).doesNotContain("ERROR").doesNotContain("\tat ");
    assertThat(log.lines().count()).as("lines logged for %d malformed frames:%n%s", connections, log).isLessThan(20);
    aGoodClientIsStillServed();
  }
}
