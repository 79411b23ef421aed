package io.imlink.transport.websocket.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import org.java_websocket.WrappedByteChannel;
import org.java_websocket.interfaces.ISSLChannel;

/**
 * A server connection's TLS channel (the library's {@code SSLSocketChannel2}) with every failure
 * confined to its connection. The library's selector thread reads and writes through it, and takes
 * only an {@link IOException} for the connection's own: any other exception or {@link Error} —
 * such as the {@link AssertionError} its TLS handshake raises (with assertions enabled) when the
 * engine stops handshaking without having finished, as a peer's failed or abandoned handshake can
 * make it — would end the selector loop and so the whole server. This turns them into an {@link
 * IOException}, which closes the one connection.
 *
 * <p>Thread: used by the library's selector and decoder threads, as the channel it wraps.
 */
final class ConfinedTlsChannel implements WrappedByteChannel, ISSLChannel {
  private final WrappedByteChannel channel;
  private final ISSLChannel tls;

  private ConfinedTlsChannel(WrappedByteChannel channel, ISSLChannel tls) {
    this.channel = channel;
    this.tls = tls;
  }

  /** {@code channel} confined if it is a TLS channel of the library, else {@code channel} itself. */
  static java.nio.channels.ByteChannel confine(java.nio.channels.ByteChannel channel) {
    if (channel instanceof WrappedByteChannel wrapped && channel instanceof ISSLChannel tls) {
      return new ConfinedTlsChannel(wrapped, tls);
    }
    return channel;
  }

  private static IOException failed(Throwable t) {
    return new IOException("the TLS channel failed: " + t, t);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    try {
      return channel.read(dst);
    } catch (RuntimeException | Error e) {
      throw failed(e);
    }
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    try {
      return channel.write(src);
    } catch (RuntimeException | Error e) {
      throw failed(e);
    }
  }

  @Override
  public boolean isNeedWrite() {
    return channel.isNeedWrite();
  }

  @Override
  public void writeMore() throws IOException {
    try {
      channel.writeMore();
    } catch (RuntimeException | Error e) {
      throw failed(e);
    }
  }

  @Override
  public boolean isNeedRead() {
    return channel.isNeedRead();
  }

  @Override
  public int readMore(ByteBuffer dst) throws IOException {
    try {
      return channel.readMore(dst);
    } catch (RuntimeException | Error e) {
      throw failed(e);
    }
  }

  @Override
  public boolean isBlocking() {
    return channel.isBlocking();
  }

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    try {
      channel.close();
    } catch (RuntimeException | Error e) {
      throw failed(e);
    }
  }

  @Override
  public SSLEngine getSSLEngine() {
    return tls.getSSLEngine();
  }
}
