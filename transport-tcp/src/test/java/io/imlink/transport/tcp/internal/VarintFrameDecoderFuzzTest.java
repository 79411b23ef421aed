package io.imlink.transport.tcp.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imlink.api.spi.FrameTooLargeException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Fuzzes the varint32 frame decoder with arbitrary bytes cut into arbitrary chunks. Whatever the
 * peer sends, the decoder only ever fails the channel with {@link FrameTooLargeException} or
 * {@link CorruptedFrameException}, exactly when the input calls for it, emits no frame over the
 * limit, and what it emits is exactly the frames of the input, in order, up to the first error. Seeds: {@code src/test/resources/.../VarintFrameDecoderFuzzTestInputs/decode/}.
 */
class VarintFrameDecoderFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void decode(FuzzedDataProvider data) {
    int max = data.consumeInt(0, 300);
    List<Integer> cuts = new ArrayList<>();
    int chunks = data.consumeInt(1, 16);
    for (int i = 0; i < chunks - 1; i++) {
      cuts.add(data.consumeInt(0, 64));
    }
    byte[] input = data.consumeRemainingAsBytes();

    List<Throwable> failures = new ArrayList<>();
    List<byte[]> frames = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel(new VarintFrameDecoder(max), new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        frames.add((byte[]) msg);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failures.add(cause);
      }
    });
    // Copies: the decoder owns what it is given and may move bytes within it (discardSomeReadBytes).
    int at = 0;
    for (int cut : cuts) {
      int n = Math.min(cut, input.length - at);
      ch.writeInbound(Unpooled.copiedBuffer(input, at, n));
      at += n;
    }
    ch.writeInbound(Unpooled.copiedBuffer(input, at, input.length - at));
    ch.finishAndReleaseAll();

    for (Throwable t : failures) {
      Throwable cause = unwrap(t);
      if (!(cause instanceof FrameTooLargeException || cause instanceof CorruptedFrameException)) {
        throw new AssertionError("unexpected channel exception", t);
      }
    }
    // The reference: frames one after the other, each after its varint32 length in at most 5
    // bytes. The prefix need not be minimal (protobuf readers accept 0x80 0x00 for 0, and so does
    // docs/protocol.md §2.1): each frame re-encodes, in the prefix form the input used, to the
    // next bytes of the input; the first bad prefix fails the channel and nothing follows.
    List<byte[]> expected = new ArrayList<>();
    Class<?> expectedFailure = null;
    int pos = 0;
    while (pos < input.length) {
      long length = 0;
      int prefix = 0;
      boolean complete = false;
      while (prefix < 5 && pos + prefix < input.length) {
        byte b = input[pos + prefix];
        length |= (long) (b & 0x7f) << (7 * prefix);
        prefix++;
        if ((b & 0x80) == 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (prefix == 5) {
          expectedFailure = CorruptedFrameException.class; // longer than 5 bytes
        }
        break;
      }
      if (length > Integer.MAX_VALUE) {
        expectedFailure = CorruptedFrameException.class;
        break;
      }
      if (length > max) {
        expectedFailure = FrameTooLargeException.class;
        break;
      }
      if (pos + prefix + length > input.length) {
        break; // incomplete at the end of the stream: nothing emitted, no failure
      }
      expected.add(Arrays.copyOfRange(input, pos + prefix, pos + prefix + (int) length));
      pos += prefix + (int) length;
    }

    for (byte[] frame : frames) {
      if (frame.length > max) {
        throw new AssertionError("frame of " + frame.length + " bytes over the limit of " + max);
      }
    }
    if (frames.size() != expected.size()) {
      throw new AssertionError(frames.size() + " frames emitted, " + expected.size() + " in the input "
          + HexFormat.of().formatHex(input) + " (max " + max + ", chunks " + cuts + ", emitted "
          + frames.stream().map(HexFormat.of()::formatHex).toList() + ", failures " + failures + ")");
    }
    for (int i = 0; i < frames.size(); i++) {
      if (!Arrays.equals(frames.get(i), expected.get(i))) {
        throw new AssertionError("frame " + i + " is not the bytes that follow its prefix in the input");
      }
    }
    if (expectedFailure == null ? !failures.isEmpty()
        : failures.size() != 1 || !expectedFailure.isInstance(unwrap(failures.get(0)))) {
      throw new AssertionError("expected " + expectedFailure + ", the channel saw " + failures,
          failures.isEmpty() ? null : failures.get(0));
    }
  }

  /** ByteToMessageDecoder wraps what decode throws in a DecoderException unless it is one. */
  private static Throwable unwrap(Throwable t) {
    return t instanceof DecoderException && !(t instanceof CorruptedFrameException) && t.getCause() != null
        ? t.getCause() : t;
  }
}
