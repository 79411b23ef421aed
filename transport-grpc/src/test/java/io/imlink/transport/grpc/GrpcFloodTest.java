package io.imlink.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.TransportOptions;
import io.imlink.tck.RecordingFrameHandler;
import io.imlink.transport.grpc.internal.GrpcOptions;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 abuse of the gRPC listener, in raw frames on loopback: a rapid-reset flood (HEADERS then
 * RST_STREAM, over and over: CVE-2023-44487) is answered with GOAWAY and the connection's end, and a
 * client that opens more concurrent streams than {@link GrpcOptions#MAX_STREAMS} has the extra ones
 * refused.
 */
class GrpcFloodTest {
  private static final int MAX_STREAMS = 4;
  private static final int MAX_RESETS = 50;
  private final AtomicInteger accepted = new AtomicInteger();
  private Acceptor acceptor;

  @BeforeEach
  void listen() throws IOException {
    acceptor = new GrpcTransportProvider().bind(URI.create("grpc://127.0.0.1:0"),
        TransportOptions.builder()
            .property(GrpcOptions.MAX_STREAMS, Integer.toString(MAX_STREAMS))
            .property(GrpcOptions.MAX_RESETS, Integer.toString(MAX_RESETS))
            .build(),
        ch -> {
          accepted.incrementAndGet();
          return RecordingFrameHandler.echo();
        });
  }

  @AfterEach
  void close() throws IOException {
    acceptor.close();
  }

  /** One HTTP/2 frame: the 9-byte header and the payload. */
  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(payload.length >>> 16);
    out.write(payload.length >>> 8);
    out.write(payload.length);
    out.write(type);
    out.write(flags);
    out.write(stream >>> 24);
    out.write(stream >>> 16);
    out.write(stream >>> 8);
    out.write(stream);
    out.writeBytes(payload);
    return out.toByteArray();
  }

  private static void literal(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    out.write(b.length); // under 127: one byte, no Huffman
    out.writeBytes(b);
  }

  /** HPACK, static table and literals only: a request for the Session/Connect method. */
  private static byte[] requestHeaders() {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write(0x83); // :method POST
    h.write(0x86); // :scheme http
    h.write(0x04); // :path, literal without indexing
    literal(h, "/imlink.v1.Session/Connect");
    h.write(0x01); // :authority
    literal(h, "127.0.0.1");
    h.write(0x0f); // content-type (static index 31 = 15 + 16)
    h.write(0x10);
    literal(h, "application/grpc");
    h.write(0x00); // te, a new name
    literal(h, "te");
    literal(h, "trailers");
    return h.toByteArray();
  }

  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int GOAWAY = 0x7;
  private static final int END_HEADERS = 0x4;

  private Socket open() throws IOException {
    Socket s = new Socket(acceptor.uri().getHost(), acceptor.uri().getPort());
    s.setSoTimeout(10_000);
    OutputStream out = s.getOutputStream();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.write(frame(SETTINGS, 0, 0, new byte[0]));
    out.write(frame(SETTINGS, 0x1, 0, new byte[0])); // acknowledges the server's, which comes first
    return s;
  }

  private record Frame(int type, int flags, int stream, byte[] payload) {
    int errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8)
          | (payload[at + 3] & 0xff);
    }
  }

  /** Reads frames until {@code until} is read or the connection ends; returns all read. */
  private static List<Frame> read(Socket s, int until) throws IOException {
    DataInputStream in = new DataInputStream(s.getInputStream());
    List<Frame> frames = new ArrayList<>();
    try {
      while (true) {
        int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        Frame f = new Frame(type, flags, stream, payload);
        frames.add(f);
        if (type == until) {
          return frames;
        }
      }
    } catch (EOFException | SocketException ended) {
      return frames;
    }
  }

  @Test
  void aRapidResetFloodIsAnsweredWithGoawayAndTheConnectionEnds() throws Exception {
    try (Socket s = open()) {
      OutputStream out = s.getOutputStream();
      byte[] headers = requestHeaders();
      byte[] cancel = {0, 0, 0, 0x8};
      int sent = 0;
      try {
        for (int stream = 1; sent < MAX_RESETS * 10; stream += 2, sent++) {
          out.write(frame(HEADERS, END_HEADERS, stream, headers));
          out.write(frame(RST_STREAM, 0, stream, cancel));
        }
        out.flush();
      } catch (SocketException closedByTheServer) {
        // it stopped listening before the flood ended: fine
      }
      List<Frame> answer = read(s, GOAWAY);
      Frame last = answer.get(answer.size() - 1);
      assertThat(last.type()).as("the server's last frame of %s", answer.size()).isEqualTo(GOAWAY);
      assertThat(last.errorCode()).as("ENHANCE_YOUR_CALM").isEqualTo(0xb);
      assertThat(s.getInputStream().read()).as("then the connection ends").isEqualTo(-1);
    }
  }

  @Test
  void streamsOverTheCapAreRefused() throws Exception {
    try (Socket s = open()) {
      OutputStream out = s.getOutputStream();
      byte[] headers = requestHeaders();
      for (int i = 0; i <= MAX_STREAMS; i++) {
        out.write(frame(HEADERS, END_HEADERS, 1 + 2 * i, headers));
      }
      out.flush();
      int extra = 1 + 2 * MAX_STREAMS;
      List<Frame> answer = read(s, RST_STREAM);
      Frame last = answer.get(answer.size() - 1);
      assertThat(last.type()).as("frames: %s", answer.size()).isEqualTo(RST_STREAM);
      assertThat(last.stream()).isEqualTo(extra);
      assertThat(last.errorCode()).as("REFUSED_STREAM").isEqualTo(0x7);
    }
  }
}
