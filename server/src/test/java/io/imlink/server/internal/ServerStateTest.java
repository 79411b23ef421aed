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
      state.upsertUser(alice, "Alice", null, 1);
      state.revokeTokens(alice, 1_000);
      state.revokeTokens(alice, 500); // never moves back
      state.block(bob, 10_000);
    }
    assertThat(Files.exists(tmp.resolve("server.db"))).isTrue();
    try (ServerState state = ServerState.open(tmp)) {
      assertThat(state.userExists(alice)).isTrue();
      assertThat(state.userExists(bob)).isFalse();
      assertThat(state.revokedBefore(alice)).isEqualTo(1_000);
      assertThat(state.revokedBefore(bob)).isEqualTo(Long.MIN_VALUE);
      assertThat(state.isBlocked(bob, 9_999)).isTrue();
      assertThat(state.isBlocked(bob, 10_000)).as("the block ends on time").isFalse();
      state.unblock(bob);
    }
    try (ServerState state = ServerState.open(tmp)) {
      assertThat(state.isBlocked(bob, 0)).isFalse();
    }
  }

  @Test
  void theInMemoryStateWorksTheSame() throws Exception {
    try (ServerState state = ServerState.inMemory()) {
      UserKey u = new UserKey("app", "u");
      state.block(u, 100);
      assertThat(state.isBlocked(u, 50)).isTrue();
      state.revokeTokens(u, 7);
      assertThat(state.revokedBefore(u)).isEqualTo(7);
    }
  }
}
