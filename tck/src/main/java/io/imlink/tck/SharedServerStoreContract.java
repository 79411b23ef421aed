package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.server.spi.InboxStore;
import io.imlink.server.spi.ServerStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerStoreContract} for a backend that several server processes share (PostgreSQL): what
 * is written through one store holds in another on the same data, the state within the store's
 * {@link io.imlink.server.spi.ServerStateStore#staleness() staleness}, the inbox and the nonces at
 * once.
 */
public abstract class SharedServerStoreContract extends ServerStoreContract {

  /** How long the test waits for the state to show: the staleness, plus room for a loaded machine. */
  private static Duration bound(ServerStore s) {
    return s.state().staleness().multipliedBy(3).plusSeconds(5);
  }

  @Test
  void aRevocationOrBlockThroughOneStoreHoldsInAnotherWithinItsStaleness() throws Exception {
    ServerStore one = store();
    ServerStore two = store();
    assertThat(two.state().isBlocked(APP, "bob", 0)).isFalse();
    one.state().block(APP, "bob", Long.MAX_VALUE);
    one.state().revokeTokens(APP, "carol", 4_000);
    assertThat(one.state().isBlocked(APP, "bob", 0)).as("at once where it was written").isTrue();
    Await.until("the block and the revocation seen by the other store",
        () -> two.state().isBlocked(APP, "bob", 0) && two.state().revokedBefore(APP, "carol") == 4_000, bound(two));

    two.state().unblock(APP, "bob");
    Await.until("the unblock seen by the first store", () -> !one.state().isBlocked(APP, "bob", 0), bound(one));
    one.state().upsertUser(APP, "dave", "Dave", null, 1);
    assertThat(two.state().userExists(APP, "dave")).isTrue();
  }

  @Test
  void aNonceUsedThroughOneStoreIsAReplayThroughAnother() throws Exception {
    ServerStore one = store();
    ServerStore two = store();
    assertThat(one.nonces().firstUse(APP + "\nshared", 1_000, 600_000)).isTrue();
    assertThat(two.nonces().firstUse(APP + "\nshared", 2_000, 600_000)).isFalse();
    assertThat(two.nonces().firstUse(APP + "\nshared", 700_000, 600_000)).as("after the retention").isTrue();
  }

  @Test
  void aResendThroughAnotherStoreIsFoundAgain() throws Exception {
    InboxStore one = store().inbox();
    InboxStore two = store().inbox();
    InboxStore.Published first = publish(one, "alice", List.of("bob"), "once", "same", 1_000);
    InboxStore.Published again = publish(two, "alice", List.of("bob"), "once", "same", 2_000);
    assertThat(again.duplicate()).isTrue();
    assertThat(again.messageId()).isEqualTo(first.messageId());
    assertThat(all(two, "bob")).extracting(DeliveredMessage::getMessageId).containsExactly(first.messageId());
  }
}
