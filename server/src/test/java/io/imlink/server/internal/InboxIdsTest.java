package io.imlink.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InboxIdsTest {
  @Test
  void messageIdsAre24HexDigitsTimeFirst() {
    SplittableRandom random = new SplittableRandom(11);
    long t = 1_795_000_000_000L;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(Inbox.messageId(t + i / 10, random));
    }
    assertThat(ids).allMatch(id -> id.matches("[0-9a-f]{24}"));
    assertThat(Long.parseLong(ids.get(0).substring(0, 12), 16)).isEqualTo(t);
    assertThat(new HashSet<>(ids)).hasSize(ids.size());
    for (int i = 10; i < ids.size(); i += 10) {
      assertThat(ids.get(i)).isGreaterThan(ids.get(i - 1));
    }
  }
}
