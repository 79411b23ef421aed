package io.imlink.transport.websocket.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import org.java_websocket.WrappedByteChannel;
import org.java_websocket.interfaces.ISSLChannel;

/**
 * A connection's socket channel (plain, or Java-WebSocket's TLS channel) that counts the bytes the
 * selector writes to it, as the library takes them from the connection's outgoing queue: with the
 * bytes queued, that gives what still waits for the peer ({@link WsServerChannel#pendingBytes()})
 * without walking the queue. Counted before any TLS, so a TLS record's overhead is not.
 *
 * <p>Thread: called by the server's selector thread only (the library's {@link WrappedByteChannel}
 * calls included), once per read or write; never blocks more than the channel it wraps.
 */
class CountingChannel implements WrappedByteChannel {
  private final ByteChannel inner;
  private final AtomicLong written;

  CountingChannel(ByteChannel inner, AtomicLong written) {
    this.inner = inner;
    this.written = written;
  }

  /** Counts what {@code inner} is written; a TLS channel stays one to the library. */
  static CountingChannel of(ByteChannel inner, AtomicLong written) {
    return inner instanceof ISSLChannel tls ? new Tls(inner, written, tls) : new CountingChannel(inner, written);
  }

  /** A TLS channel, counted: the library reads the connection's TLS session through it. */
  private static final class Tls extends CountingChannel implements ISSLChannel {
    private final ISSLChannel tls;

    Tls(ByteChannel inner, AtomicLong written, ISSLChannel tls) {
      super(inner, written);
      this.tls = tls;
    }

    @Override
    public SSLEngine getSSLEngine() {
      return tls.getSSLEngine();
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    int before = src.remaining();
    int n = inner.write(src);
    written.addAndGet(before - src.remaining());
    return n;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return inner.read(dst);
  }

  @Override
  public boolean isOpen() {
    return inner.isOpen();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }

  @Override
  public boolean isNeedWrite() {
    return inner instanceof WrappedByteChannel w && w.isNeedWrite();
  }

  @Override
  public void writeMore() throws IOException {
    if (inner instanceof WrappedByteChannel w) {
      w.writeMore();
    }
  }

  @Override
  public boolean isNeedRead() {
    return inner instanceof WrappedByteChannel w && w.isNeedRead();
  }

  @Override
  public int readMore(ByteBuffer dst) throws IOException {
    return inner instanceof WrappedByteChannel w ? w.readMore(dst) : 0;
  }

  @Override
  public boolean isBlocking() {
    return inner instanceof WrappedByteChannel w ? w.isBlocking() : false;
  }
}
