package io.imlink.protocol;

import io.imlink.api.Limits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Publish;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LimitsTest {
  private static final String ID = "i".repeat(Limits.MAX_ID_BYTES);

  @Test
  void messagesAreCheckedAgainstTheLimits() {
    assertThat(Limits.checkMessage("bob", "RC:TxtMsg", "{}")).isZero();
    assertThat(Limits.checkMessage(ID, ID, "x".repeat(Limits.MAX_CONTENT_BYTES))).isZero();
    assertThat(Limits.checkMessage(null, "RC:TxtMsg", "{}")).isEqualTo(33003);
    assertThat(Limits.checkMessage(" ", "RC:TxtMsg", "{}")).isEqualTo(33003);
    assertThat(Limits.checkMessage(ID + "i", "RC:TxtMsg", "{}")).isEqualTo(33003);
    assertThat(Limits.checkMessage("é".repeat(33), "RC:TxtMsg", "{}")).as("66 UTF-8 bytes").isEqualTo(33003);
    assertThat(Limits.checkMessage("é".repeat(32), "RC:TxtMsg", "{}")).as("64 UTF-8 bytes").isZero();
    assertThat(Limits.checkMessage("bob", "", "{}")).isEqualTo(33003);
    assertThat(Limits.checkMessage("bob", ID + "i", "{}")).isEqualTo(33003);
    assertThat(Limits.checkMessage("bob", "RC:TxtMsg", null)).isEqualTo(33003);
    assertThat(Limits.checkMessage("bob", "RC:TxtMsg", "x".repeat(Limits.MAX_CONTENT_BYTES + 1))).isEqualTo(30016);
    // Counted in UTF-8 bytes, not chars: 43,691 three-byte chars are 131,073 bytes.
    assertThat(Limits.checkMessage("bob", "RC:TxtMsg", "€".repeat(43_691))).isEqualTo(30016);
    assertThat(Limits.checkMessage("bob", "RC:TxtMsg", "€".repeat(43_690))).isZero();
    assertThat(Frames.checkPublish(Publish.newBuilder().setToUserId("bob").setObjectName("o").setContent("{}").build()))
        .as("no client message id").isEqualTo(33003);
    assertThat(Frames.checkPublish(Publish.newBuilder().setClientMessageId("c1").setToUserId("bob").setObjectName("o")
        .setContent("{}").build())).isZero();
  }

  @Test
  void utf8LengthIsTheEncodedLength() {
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 2_000; i++) {
      StringBuilder s = new StringBuilder();
      for (int j = random.nextInt(40); j > 0; j--) {
        s.append((char) random.nextInt(0x10000)); // every kind of char, unpaired surrogates too
      }
      String text = s.toString();
      assertThat(Limits.utf8Length(text)).as(text).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
    }
    assertThat(Limits.utf8Length("a😀b")).isEqualTo(6);
  }

  @Test
  void theLargestMessageFrameIsBoundedAndFitsTheDefaultFrameSize() {
    String content = "x".repeat(Limits.MAX_CONTENT_BYTES);
    DeliveredMessage worst = DeliveredMessage.newBuilder().setSeq(-1L).setMessageId(ID).setFromUserId(ID)
        .setObjectName(ID).setContent(content).setServerTimeMs(-1L).setOrder(-1L).setClientMessageId(ID).build();
    Frame deliver = DeliverPages.frame(List.of(worst), Integer.MAX_VALUE, true);
    Frame publish = Frame.newBuilder().setPublish(Publish.newBuilder().setClientMessageId(ID).setToUserId(ID)
        .setObjectName(ID).setContent(content).setClientTimeMs(-1L)).build();
    assertThat(deliver.getSerializedSize()).isLessThanOrEqualTo(Frames.MAX_MESSAGE_FRAME_BYTES);
    assertThat(publish.getSerializedSize()).isLessThanOrEqualTo(Frames.MAX_MESSAGE_FRAME_BYTES);
    assertThat(DeliverPages.cost(worst)).isLessThanOrEqualTo(DeliverPages.budget(Frames.MAX_MESSAGE_FRAME_BYTES));
    assertThat(Frames.MAX_MESSAGE_FRAME_BYTES).isLessThan(Limits.MAX_FRAME_BYTES);
    assertThat(Frames.requireFrameRoom(Limits.MAX_FRAME_BYTES)).isEqualTo(Limits.MAX_FRAME_BYTES);
    assertThatThrownBy(() -> Frames.requireFrameRoom(64 * 1024))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxFrameSize 65536 is too small");
  }

  @Test
  void messagesPackedWithinTheBudgetNeverMakeAFrameOverTheLimit() {
    SplittableRandom random = new SplittableRandom(11);
    int limit = Limits.MAX_FRAME_BYTES;
    for (int round = 0; round < 200; round++) {
      List<DeliveredMessage> page = new java.util.ArrayList<>();
      int room = DeliverPages.budget(limit);
      while (true) {
        int size = random.nextInt(4) == 0 ? Limits.MAX_CONTENT_BYTES : random.nextInt(1, 40_000);
        DeliveredMessage m = DeliveredMessage.newBuilder().setSeq(random.nextLong(1, Long.MAX_VALUE))
            .setMessageId("0123456789abcdef01234567").setFromUserId("user-" + random.nextInt(1000))
            .setObjectName("RC:TxtMsg").setContent("é".repeat(size / 2)).setServerTimeMs(System.currentTimeMillis())
            .setOrder(random.nextLong(1, Long.MAX_VALUE)).setClientMessageId(java.util.UUID.randomUUID().toString())
            .build();
        int cost = DeliverPages.cost(m);
        if (cost > room) {
          // The one message that did not fit makes a frame over the limit with the page.
          List<DeliveredMessage> over = new java.util.ArrayList<>(page);
          over.add(m);
          assertThat(DeliverPages.frame(over, 0, false).getSerializedSize()).isGreaterThan(limit - 14);
          break;
        }
        room -= cost;
        page.add(m);
      }
      assertThat(page).isNotEmpty();
      int left = random.nextBoolean() ? Integer.MAX_VALUE : random.nextInt(); // the largest varints too
      assertThat(DeliverPages.frame(page, left, true).getSerializedSize()).isLessThanOrEqualTo(limit);
    }
  }
}
