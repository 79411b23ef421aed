package io.imlink.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.protocol.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenServiceTest {
  private static final Instant T = Instant.parse("2026-11-26T12:00:00Z");
  private final ServerState state = ServerState.inMemory();

  private TokenService at(Instant now, Duration lifetime) {
    return new TokenService(Map.of("a", "secret-a-123", "b", "secret-b-123"), lifetime, Clock.fixed(now, ZoneOffset.UTC), state);
  }

  @Test
  void checksEveryWayATokenCanBeWrong() throws Exception {
    TokenService tokens = at(T, Duration.ofHours(1));
    String token = tokens.issue("a", "alice");
    assertThat(tokens.check("a", token)).isEqualTo(new TokenService.Check(0, "alice", ""));
    assertThat(tokens.check("zzz", token).code()).isEqualTo(31002);
    assertThat(tokens.check("b", token).code()).as("other app's secret").isEqualTo(31004);
    assertThat(tokens.check("a", "garbage").code()).isEqualTo(31004);
    assertThat(tokens.check("a", Tokens.sign(Tokens.peek(token), "forger-123")).reason())
        .isEqualTo("token signature does not verify");
    assertThat(at(T.plus(Duration.ofHours(1)), null).check("a", token).reason()).isEqualTo("token expired");
    assertThat(at(T.plus(Duration.ofMinutes(59)), null).check("a", token).code()).isZero();

    state.revokeTokens("a", "alice", T.toEpochMilli() + 1);
    assertThat(tokens.check("a", token).reason()).isEqualTo("token revoked");
    TokenService later = at(T.plusMillis(1), null);
    assertThat(later.check("a", later.issue("a", "alice")).code()).as("issued at the revocation time").isZero();
  }
}
