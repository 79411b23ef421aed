package io.imlink.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.api.spi.TransportOptions;
import io.imlink.tck.RecordingFrameHandler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The varint32 length-prefixed wire format, spoken by a raw socket. */
class TcpWireFormatTest {
  private static final int MAX = 1024;
  private final List<RecordingFrameHandler> handlers = new CopyOnWriteArrayList<>();
  private Acceptor acceptor;

  @BeforeEach
  void bind() throws Exception {
    acceptor =
        new TcpTransportProvider()
            .bind(
                URI.create("tcp://127.0.0.1:0"),
                TransportOptions.builder().maxFrameSize(MAX).build(),
                ch -> {
                  RecordingFrameHandler h = RecordingFrameHandler.echo();
                  handlers.add(h);
                  return h;
                });
  }

  @AfterEach
  void close() {
    acceptor.close();
  }

  private Socket raw() throws Exception {
    Socket s = new Socket(acceptor.localAddress().getAddress(), acceptor.localAddress().getPort());
    s.setSoTimeout(10_000);
    return s;
  }

  @Test
  void framesAreVarintLengthPrefixed() throws Exception {
    try (Socket s = raw()) {
      OutputStream out = s.getOutputStream();
      byte[] body = new byte[300]; // length 300 = varint 0xAC 0x02
      body[299] = 42;
      out.write(new byte[] {(byte) 0xAC, 0x02});
      out.write(body);
      out.write(new byte[] {0x00}); // an empty frame
      out.flush();
      InputStream in = s.getInputStream();
      assertThat(in.readNBytes(2)).containsExactly(0xAC, 0x02);
      assertThat(in.readNBytes(300)).isEqualTo(body);
      assertThat(in.read()).isZero();
    }
  }

  @Test
  void anOversizedLengthIsRefusedBeforeTheBodyArrives() throws Exception {
    try (Socket s = raw()) {
      // Announce MAX + 1 bytes and send none of them: the server must not wait for the body.
      int len = MAX + 1;
      s.getOutputStream().write(new byte[] {(byte) ((len & 0x7f) | 0x80), (byte) (len >>> 7)});
      s.getOutputStream().flush();
      assertThat(s.getInputStream().read()).as("server closes the connection").isEqualTo(-1);
    }
    Throwable cause = handlers.get(0).awaitClosed();
    assertThat(cause).isInstanceOf(FrameTooLargeException.class);
    assertThat(((FrameTooLargeException) cause).size()).isEqualTo(MAX + 1);
  }

  @Test
  void aMalformedLengthPrefixClosesTheConnection() throws Exception {
    try (Socket s = raw()) {
      s.getOutputStream().write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01});
      s.getOutputStream().flush();
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(handlers.get(0).awaitClosed()).hasMessageContaining("length prefix");
  }
}
