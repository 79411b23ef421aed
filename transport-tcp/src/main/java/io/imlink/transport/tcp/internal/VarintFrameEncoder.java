package io.imlink.transport.tcp.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Writes each frame prefixed by its length as a protobuf varint32. Stateless and shareable. */
@ChannelHandler.Sharable
final class VarintFrameEncoder extends MessageToByteEncoder<byte[]> {
  static final VarintFrameEncoder INSTANCE = new VarintFrameEncoder();

  private VarintFrameEncoder() {
    super(byte[].class);
  }

  @Override
  protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, byte[] frame, boolean preferDirect) {
    return ctx.alloc().ioBuffer(5 + frame.length);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, byte[] frame, ByteBuf out) {
    int value = frame.length;
    while ((value & ~0x7f) != 0) {
      out.writeByte((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.writeByte(value);
    out.writeBytes(frame);
  }
}
