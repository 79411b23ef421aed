package io.imlink.transport.tcp.internal;

import io.imlink.api.spi.FrameTooLargeException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * Splits the inbound stream into frames, each prefixed by its length as a protobuf varint32. The
 * length is checked against the maximum frame size as soon as the prefix is read, before any of
 * the frame is buffered; a frame too large fails the channel with {@link FrameTooLargeException}.
 */
final class VarintFrameDecoder extends ByteToMessageDecoder {
  private final int maxFrameSize;
  private boolean failed;

  VarintFrameDecoder(int maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int start = in.readerIndex();
    long length = readVarint32(in);
    if (length < 0) {
      in.readerIndex(start); // prefix incomplete
      return;
    }
    if (length > maxFrameSize) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw new FrameTooLargeException(length, maxFrameSize);
    }
    if (in.readableBytes() < length) {
      in.readerIndex(start); // body incomplete; at most maxFrameSize bytes are ever cumulated
      return;
    }
    byte[] frame = new byte[(int) length];
    in.readBytes(frame);
    out.add(frame);
  }

  /** The varint32 at the reader index, or -1 if it is not complete yet. */
  private long readVarint32(ByteBuf in) {
    long result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (!in.isReadable()) {
        return -1;
      }
      byte b = in.readByte();
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (result > Integer.MAX_VALUE) {
          failed = true;
          throw new CorruptedFrameException("frame length prefix out of range: " + result);
        }
        return result;
      }
    }
    failed = true;
    throw new CorruptedFrameException("frame length prefix longer than 5 bytes");
  }
}
