package io.imlink.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MessengerIdsTest {
  @Test
  void clientMessageIdsAreVersion7UuidsInTimeOrder() {
    SplittableRandom random = new SplittableRandom(7);
    long t = 1_795_000_000_000L;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      ids.add(Messenger.clientMessageId(t + i / 10, random, 0x5a17L)); // ten per millisecond
    }
    for (String id : ids) {
      UUID u = UUID.fromString(id);
      assertThat(u.toString()).isEqualTo(id);
      assertThat(u.version()).isEqualTo(7);
      assertThat(u.variant()).isEqualTo(2);
    }
    assertThat(new HashSet<>(ids)).hasSize(ids.size());
    assertThat(UUID.fromString(ids.get(0)).getMostSignificantBits() >>> 16).isEqualTo(t);
    // Ordered by time across milliseconds (what keeps the unique indexes appending).
    for (int i = 10; i < ids.size(); i += 10) {
      assertThat(ids.get(i)).isGreaterThan(ids.get(i - 1));
    }
  }

  @Test
  void equallySeededEnginesAtTheSameMillisecondStillMakeDifferentIds() {
    long t = 1_795_000_000_000L;
    String a = Messenger.clientMessageId(t, new SplittableRandom(42), 1L);
    String b = Messenger.clientMessageId(t, new SplittableRandom(42), 2L);
    assertThat(a).isNotEqualTo(b);
    assertThat(a.substring(0, 18)).as("the time and version part").isEqualTo(b.substring(0, 18));
  }
}
