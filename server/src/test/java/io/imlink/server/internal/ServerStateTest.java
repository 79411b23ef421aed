package io.imlink.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerStateTest {
  @TempDir Path tmp;

  @Test
  void usersRevocationsAndBlocksSurviveARestart() throws Exception {
    UserKey alice = new UserKey("app", "alice");
    UserKey bob = new UserKey("app", "bob");
    try (ServerState state = ServerState.open(tmp)) {
      state.upsertUser(alice.appKey(), alice.userId(), "Alice", null, 1);
      state.revokeTokens(alice.appKey(), alice.userId(), 1_000);
      state.revokeTokens(alice.appKey(), alice.userId(), 500); // never moves back
      state.block(bob.appKey(), bob.userId(), 10_000);
    }
    assertThat(Files.exists(tmp.resolve("server.db"))).isTrue();
    try (ServerState state = ServerState.open(tmp)) {
      assertThat(state.userExists(alice.appKey(), alice.userId())).isTrue();
      assertThat(state.userExists(bob.appKey(), bob.userId())).isFalse();
      assertThat(state.revokedBefore(alice.appKey(), alice.userId())).isEqualTo(1_000);
      assertThat(state.revokedBefore(bob.appKey(), bob.userId())).isEqualTo(Long.MIN_VALUE);
      assertThat(state.isBlocked(bob.appKey(), bob.userId(), 9_999)).isTrue();
      assertThat(state.isBlocked(bob.appKey(), bob.userId(), 10_000)).as("the block ends on time").isFalse();
      state.unblock(bob.appKey(), bob.userId());
    }
    try (ServerState state = ServerState.open(tmp)) {
      assertThat(state.isBlocked(bob.appKey(), bob.userId(), 0)).isFalse();
    }
  }

  @Test
  void theInMemoryStateWorksTheSame() throws Exception {
    try (ServerState state = ServerState.inMemory()) {
      UserKey u = new UserKey("app", "u");
      state.block(u.appKey(), u.userId(), 100);
      assertThat(state.isBlocked(u.appKey(), u.userId(), 50)).isTrue();
      state.revokeTokens(u.appKey(), u.userId(), 7);
      assertThat(state.revokedBefore(u.appKey(), u.userId())).isEqualTo(7);
    }
  }
}
