package io.imlink.transport.websocket.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class FrameGuardTest {
  private static final int MAX = 1000;

  /** A masked client frame (the mask key is zero: the payload goes as it is). */
  private static byte[] frame(boolean fin, int opcode, int length) {
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write((fin ? 0x80 : 0) | opcode);
    if (length <= 125) {
      f.write(0x80 | length);
    } else if (length <= 0xffff) {
      f.write(0x80 | 126);
      f.write(length >>> 8);
      f.write(length & 0xff);
    } else {
      f.write(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        f.write((int) ((long) length >>> shift) & 0xff);
      }
    }
    f.writeBytes(new byte[4 + length]);
    return f.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      all.writeBytes(p);
    }
    return all.toByteArray();
  }

  @Test
  void wellFormedFramesPassWhateverTheSplitOfTheBuffers() {
    byte[] stream = concat(frame(false, 2, 300), frame(true, 9, 5), frame(false, 0, 400), frame(true, 0, 300),
        frame(true, 2, 0), frame(true, 2, 1000), new byte[] {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xe8});
    for (int split = 1; split <= 17; split++) {
      FrameGuard guard = new FrameGuard(MAX);
      for (int at = 0; at < stream.length; at += split) {
        ByteBuffer b = ByteBuffer.wrap(stream, at, Math.min(split, stream.length - at)).slice();
        assertThat(guard.scan(b)).as("split %d at %d", split, at).isEqualTo(b.remaining());
        assertThat(b.position()).isZero();
      }
      assertThat(guard.refusal()).isNull();
    }
  }

  @Test
  void theFragmentThatPassesTheLimitIsRefusedAtItsHeaderAndWhatCameBeforePasses() {
    byte[] first = frame(false, 2, 600);
    byte[] stream = concat(first, frame(false, 0, 401));
    FrameGuard guard = new FrameGuard(MAX);
    assertThat(guard.scan(ByteBuffer.wrap(stream))).isEqualTo(first.length);
    assertThat(guard.refusal().code()).isEqualTo(1009);
    assertThat(guard.refusal().messageBytes()).isEqualTo(1001);
    assertThat(guard.scan(ByteBuffer.wrap(frame(true, 2, 1)))).as("nothing passes after a refusal").isZero();
  }

  @Test
  void aHugeSixtyFourBitLengthIsRefusedBeforeItsPayload() {
    FrameGuard guard = new FrameGuard(MAX);
    byte[] header = {(byte) 0x82, (byte) 0xff, 0x7f, -1, -1, -1, -1, -1, -1, -1, 1, 2, 3, 4};
    assertThat(guard.scan(ByteBuffer.wrap(header))).isZero();
    assertThat(guard.refusal().code()).isEqualTo(1009);
    FrameGuard negative = new FrameGuard(MAX);
    header[2] = (byte) 0x80;
    assertThat(negative.scan(ByteBuffer.wrap(header))).isZero();
    assertThat(negative.refusal().code()).isEqualTo(1002);
  }

  @Test
  void closeFramesAreChecked() {
    byte[] badCode = {(byte) 0x88, (byte) 0x82, 0, 0, 0, 0, 0x03, (byte) 0xed}; // 1005 may not be sent
    FrameGuard g1 = new FrameGuard(MAX);
    assertThat(g1.scan(ByteBuffer.wrap(badCode))).isZero();
    assertThat(g1.refusal().code()).isEqualTo(1002);

    byte[] masked = {(byte) 0x88, (byte) 0x84, 1, 2, 3, 4, 0x03 ^ 1, (byte) 0xe8 ^ 2, 'o' ^ 3, 'k' ^ 4};
    FrameGuard g2 = new FrameGuard(MAX);
    assertThat(g2.scan(ByteBuffer.wrap(masked))).isEqualTo(masked.length);
    assertThat(g2.refusal()).isNull();

    byte[] notUtf8 = {(byte) 0x88, (byte) 0x84, 1, 2, 3, 4, 0x03 ^ 1, (byte) 0xe8 ^ 2, (byte) (0xc3 ^ 3), 0x28 ^ 4};
    FrameGuard g3 = new FrameGuard(MAX);
    assertThat(g3.scan(ByteBuffer.wrap(notUtf8))).isZero();
    assertThat(g3.refusal().code()).isEqualTo(1007);
  }

  @Test
  void anInterleavedNewMessageIsAProtocolError() {
    FrameGuard guard = new FrameGuard(MAX);
    byte[] first = frame(false, 2, 10);
    assertThat(guard.scan(ByteBuffer.wrap(concat(first, frame(true, 2, 10))))).isEqualTo(first.length);
    assertThat(guard.refusal().code()).isEqualTo(1002);
  }
}
