package io.imlink.transport.websocket;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.TransportOptions;
import io.imlink.tck.Await;
import io.imlink.tck.RecordingFrameHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the WebSocket server's handshake and path handling, and the frames after it, through a
 * real listener on loopback: each input is sent on a new connection as the client's first bytes
 * (the HTTP upgrade request, its path and query, its headers, then anything), followed by the end
 * of the client's stream. Whatever the bytes, the server ends the connection promptly (it never
 * holds a socket past its answer and the peer's end), never answers with more than a bounded
 * amount, and keeps serving: every 64 inputs, and after the last, a well-formed client completes a
 * handshake on {@code /im}. Only a connection to {@code /im} reaches the accept handler. Seeds:
 * {@code src/test/resources/.../WebSocketHandshakeFuzzTestInputs/handshake/}.
 */
class WebSocketHandshakeFuzzTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(5);
  private static final int MAX_ANSWER = 64 * 1024;
  private static Acceptor acceptor;
  private static InetSocketAddress address;
  private static final AtomicInteger accepted = new AtomicInteger();
  private static int inputs;

  @BeforeAll
  static void listen() throws IOException {
    acceptor = new WebSocketTransportProvider().bind(URI.create("ws://127.0.0.1:0/im"),
        TransportOptions.builder().handshakeTimeout(PROMPTLY).build(), channel -> {
          accepted.incrementAndGet();
          return RecordingFrameHandler.echo();
        });
    address = new InetSocketAddress(acceptor.uri().getHost(), acceptor.uri().getPort());
  }

  @AfterAll
  static void close() throws IOException, InterruptedException {
    if (acceptor != null) {
      healthy();
      acceptor.close();
    }
  }

  @FuzzTest(maxDuration = "30s")
  void handshake(byte[] input) throws IOException, InterruptedException {
    int acceptedBefore = accepted.get();
    try (SilentCloseable loopback = toListener(); Socket s = new Socket()) {
      s.connect(address, (int) PROMPTLY.toMillis());
      s.setSoTimeout((int) PROMPTLY.toMillis());
      try {
        OutputStream out = s.getOutputStream();
        out.write(input);
        out.flush();
        s.shutdownOutput();
      } catch (IOException closedWhileWriting) {
        return; // refused mid-input (the handshake cap): the connection is over, as it should be
      }
      InputStream in = s.getInputStream();
      byte[] buffer = new byte[8192];
      int total = 0;
      try {
        for (int n; (n = in.read(buffer)) >= 0; ) {
          total += n;
          if (total > MAX_ANSWER) {
            throw new AssertionError("the server answered " + total + " bytes to an input of " + input.length);
          }
        }
      } catch (SocketTimeoutException stuck) {
        throw new AssertionError("the server held the connection for " + PROMPTLY + " after the client's end; input: "
            + printable(input), stuck);
      } catch (IOException reset) {
        // a reset ends the connection as well
      }
    }
    // The method's case is the library's to be lenient about (it accepts "get", as many servers do);
    // the path is exact.
    String start = new String(input, 0, Math.min(input.length, 8), StandardCharsets.ISO_8859_1);
    boolean toPath = start.regionMatches(true, 0, "GET ", 0, 4)
        && (start.startsWith("/im ", 4) || start.startsWith("/im?", 4));
    if (accepted.get() != acceptedBefore && !toPath) {
      throw new AssertionError("a handshake for another path reached the accept handler: " + printable(input));
    }
    if (++inputs % 64 == 0) {
      healthy();
    }
  }

  /** A well-formed client still completes a handshake on the path. */
  private static void healthy() throws IOException, InterruptedException {
    int before = accepted.get();
    try (SilentCloseable loopback = toListener(); Socket s = new Socket()) {
      s.connect(address, (int) PROMPTLY.toMillis());
      s.setSoTimeout((int) PROMPTLY.toMillis());
      s.getOutputStream().write(("GET /im HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] status = s.getInputStream().readNBytes(12);
      String line = new String(status, StandardCharsets.US_ASCII);
      if (!line.equals("HTTP/1.1 101")) {
        throw new AssertionError("the server no longer completes a handshake: '" + line + "'");
      }
    }
    Await.until("a completed handshake reaches the accept handler", () -> accepted.get() > before);
  }

  /**
   * Jazzer's server-side request forgery detector reports every connection it was not told about;
   * this test's own connections, to its listener on 127.0.0.1, are the point of it. (The detector
   * names the host as the socket resolved it, "localhost", so the port is what identifies it.)
   */
  private static SilentCloseable toListener() {
    return BugDetectors.allowNetworkConnections((host, port) -> port == address.getPort());
  }

  private static String printable(byte[] input) {
    String s = new String(input, 0, Math.min(input.length, 300), StandardCharsets.ISO_8859_1);
    return s.replaceAll("[^\\x20-\\x7e]", "?");
  }
}
