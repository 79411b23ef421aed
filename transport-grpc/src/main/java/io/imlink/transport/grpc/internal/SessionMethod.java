package io.imlink.transport.grpc.internal;

import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The {@code imlink.v1.Session/Connect} method of {@code imlink/v1/imlink.proto}, described by
 * hand with a pass-through marshaller: the frames are already serialised {@code Frame} messages,
 * so they cross gRPC as bytes and are decoded once, by the engine or the server.
 */
public final class SessionMethod {
  /** The service's full name in the .proto. */
  public static final String SERVICE = "imlink.v1.Session";

  /** The bidirectional stream: one gRPC message per frame. */
  public static final MethodDescriptor<byte[], byte[]> CONNECT = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
      .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Connect"))
      .setRequestMarshaller(Bytes.INSTANCE)
      .setResponseMarshaller(Bytes.INSTANCE)
      .build();

  private SessionMethod() {}

  /** Bytes in, bytes out, with the length known so that gRPC frames without copying through a buffer. */
  private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new FrameStream(value);
    }

    /** gRPC's message streams know their length: one exact read instead of growing copies. */
    @Override
    public byte[] parse(InputStream stream) {
      try {
        if (stream instanceof KnownLength) {
          byte[] bytes = new byte[stream.available()];
          int off = 0;
          while (off < bytes.length) {
            int n = stream.read(bytes, off, bytes.length - off);
            if (n < 0) {
              throw new IOException("message ended after " + off + " of " + bytes.length + " bytes");
            }
            off += n;
          }
          return bytes;
        }
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private static final class FrameStream extends ByteArrayInputStream implements KnownLength, Drainable {
    FrameStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
      int n = count - pos;
      target.write(buf, pos, n);
      pos = count;
      return n;
    }
  }
}
