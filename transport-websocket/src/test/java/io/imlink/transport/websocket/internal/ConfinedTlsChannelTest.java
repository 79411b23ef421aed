package io.imlink.transport.websocket.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.java_websocket.WrappedByteChannel;
import org.java_websocket.interfaces.ISSLChannel;
import org.junit.jupiter.api.Test;

/** Whatever the library's TLS channel throws reaches its selector thread as an IOException. */
class ConfinedTlsChannelTest {
  /** A TLS channel as the library's, failing as its handshake does with assertions on. */
  private static final class Failing implements WrappedByteChannel, ISSLChannel {
    private final SSLEngine engine;
    private final Throwable failure;

    Failing(Throwable failure) throws Exception {
      this.engine = SSLContext.getDefault().createSSLEngine();
      this.failure = failure;
    }

    private void fail() {
      if (failure instanceof Error e) {
        throw e;
      }
      throw (RuntimeException) failure;
    }

    @Override public int read(ByteBuffer dst) { fail(); return 0; }
    @Override public int write(ByteBuffer src) { fail(); return 0; }
    @Override public boolean isNeedWrite() { return true; }
    @Override public void writeMore() { fail(); }
    @Override public boolean isNeedRead() { return true; }
    @Override public int readMore(ByteBuffer dst) { fail(); return 0; }
    @Override public boolean isBlocking() { return false; }
    @Override public boolean isOpen() { return true; }
    @Override public void close() { fail(); }
    @Override public SSLEngine getSSLEngine() { return engine; }
  }

  @Test
  void anErrorOrRuntimeExceptionOfTheTlsChannelBecomesAnIOException() throws Exception {
    for (Throwable failure : new Throwable[] {new AssertionError("SSLSocketChannel2.processHandshake"),
        new IllegalStateException("engine closed")}) {
      Failing tls = new Failing(failure);
      ByteChannel confined = ConfinedTlsChannel.confine(tls);
      assertThat(confined).isInstanceOf(WrappedByteChannel.class).isInstanceOf(ISSLChannel.class);
      assertThat(((ISSLChannel) confined).getSSLEngine()).isSameAs(tls.getSSLEngine());
      WrappedByteChannel w = (WrappedByteChannel) confined;
      assertThat(w.isNeedRead()).isTrue();
      assertThat(w.isNeedWrite()).isTrue();
      ByteBuffer b = ByteBuffer.allocate(16);
      assertThatThrownBy(() -> confined.read(b)).isInstanceOf(IOException.class).hasCause(failure);
      assertThatThrownBy(() -> confined.write(b)).isInstanceOf(IOException.class).hasCause(failure);
      assertThatThrownBy(() -> w.readMore(b)).isInstanceOf(IOException.class).hasCause(failure);
      assertThatThrownBy(w::writeMore).isInstanceOf(IOException.class).hasCause(failure);
      assertThatThrownBy(confined::close).isInstanceOf(IOException.class).hasCause(failure);
    }
  }

  @Test
  void aPlainChannelIsLeftAsItIs() throws Exception {
    try (java.nio.channels.Pipe.SinkChannel sink = java.nio.channels.Pipe.open().sink()) {
      ByteChannel plain = new ByteChannel() {
        @Override public int read(ByteBuffer dst) { return 0; }
        @Override public int write(ByteBuffer src) throws IOException { return sink.write(src); }
        @Override public boolean isOpen() { return true; }
        @Override public void close() {}
      };
      assertThat(ConfinedTlsChannel.confine(plain)).isSameAs(plain);
    }
  }
}
