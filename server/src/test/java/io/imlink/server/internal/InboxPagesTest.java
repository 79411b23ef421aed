package io.imlink.server.internal;

import io.imlink.server.spi.InboxStore;
import io.imlink.protocol.DeliverPages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.Limits;
import io.imlink.protocol.v1.DeliveredMessage;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Sync pages are bounded by encoded bytes as well as by count: no page makes a frame over the limit. */
class InboxPagesTest {

  @Test
  void noPageOfMixedSizesMakesAFrameOverTheLimitAndTogetherTheyAreTheInbox() throws Exception {
    try (Inbox inbox = Inbox.temporary(new SecureRandom())) {
      SplittableRandom random = new SplittableRandom(3);
      List<String> contents = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        int bytes = switch (random.nextInt(4)) {
          case 0 -> Limits.MAX_CONTENT_BYTES;
          case 1 -> random.nextInt(60_000, 125_000);
          default -> random.nextInt(1, 3_000);
        };
        String content = "€".repeat(bytes / 3) + "x".repeat(bytes % 3);
        contents.add(content);
        inbox.publish("app", "alice", List.of("bob"), "RC:TxtMsg", content, "c" + i, 1_000 + i).get(10, TimeUnit.SECONDS);
      }
      int budget = DeliverPages.budget(Limits.MAX_FRAME_BYTES);
      List<String> got = new ArrayList<>();
      long after = 0;
      int pages = 0;
      while (true) {
        InboxStore.Page page = inbox.fetch("app", "bob", after, Limits.SYNC_PAGE_SIZE, budget);
        if (page.messages().isEmpty()) {
          assertThat(page.left()).isZero();
          break;
        }
        pages++;
        int frame = DeliverPages.frame(page.messages(), page.left(), true).getSerializedSize();
        assertThat(frame).as("page %d", pages).isLessThanOrEqualTo(Limits.MAX_FRAME_BYTES);
        assertThat(page.messages().size()).isLessThanOrEqualTo(Limits.SYNC_PAGE_SIZE);
        for (DeliveredMessage m : page.messages()) {
          got.add(m.getContent());
        }
        assertThat(page.left()).isEqualTo(contents.size() - got.size());
        after = page.messages().get(page.messages().size() - 1).getSeq();
      }
      assertThat(got).containsExactlyElementsOf(contents);
      assertThat(pages).as("large messages split the inbox into many pages").isGreaterThan(contents.size() / 4);

      // Small messages still come 200 to a page.
      for (int i = 0; i < 450; i++) {
        inbox.publish("app", "alice", List.of("carol"), "RC:TxtMsg", "{}", "s" + i, 5_000 + i).get(10, TimeUnit.SECONDS);
      }
      InboxStore.Page page = inbox.fetch("app", "carol", 0, Limits.SYNC_PAGE_SIZE, budget);
      assertThat(page.messages()).hasSize(Limits.SYNC_PAGE_SIZE);
      assertThat(page.left()).isEqualTo(250);
    }
  }

  @Test
  void aMessageThatNoPageCanHoldIsAnErrorNotAnEmptyPage() throws Exception {
    try (Inbox inbox = Inbox.temporary(new SecureRandom())) {
      inbox.publish("app", "alice", List.of("bob"), "RC:TxtMsg", "x".repeat(10_000), "c1", 1_000).get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> inbox.fetch("app", "bob", 0, Limits.SYNC_PAGE_SIZE, 5_000))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("inbox message 1 of bob needs");
      assertThat(inbox.fetch("app", "bob", 0, Limits.SYNC_PAGE_SIZE, 20_000).messages()).hasSize(1);
    }
  }
}
