package io.imlink.server.internal;

import io.imlink.server.spi.ServerStateStore;

import io.imlink.api.ErrorCode;
import io.imlink.protocol.InvalidTokenException;
import io.imlink.protocol.TokenClaims;
import io.imlink.protocol.Tokens;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Issues and checks tokens: HMAC-SHA256 signed with the app secret; a lifetime if configured,
 * permanent otherwise; revocation as "every token of this user issued before T".
 *
 * <p>Thread safety: immutable apart from the state it reads; call from any thread. Never blocks.
 */
public final class TokenService {
  private final Map<String, String> secrets;
  private final Duration lifetime;
  private final Clock clock;
  private final ServerStateStore state;

  /**
   * @param secrets app key → app secret
   * @param lifetime how long new tokens live; null for permanent tokens
   */
  public TokenService(Map<String, String> secrets, Duration lifetime, Clock clock, ServerStateStore state) {
    this.secrets = Map.copyOf(secrets);
    this.lifetime = lifetime;
    this.clock = clock;
    this.state = state;
  }

  /** Whether the app key is known. */
  public boolean knowsApp(String appKey) {
    return secrets.containsKey(appKey);
  }

  /** The secret of a known app key, or null. */
  public String secret(String appKey) {
    return secrets.get(appKey);
  }

  /** A new token for the user. Older tokens stay valid. */
  public String issue(String appKey, String userId) {
    String secret = secrets.get(appKey);
    if (secret == null) {
      throw new IllegalArgumentException("unknown app key " + appKey);
    }
    Instant now = clock.instant();
    return Tokens.sign(new TokenClaims(appKey, userId, now, lifetime == null ? null : now.plus(lifetime)), secret);
  }

  /** The outcome of checking a token presented by a connecting client. */
  public record Check(int code, String userId, String reason) {
    static Check refused(ErrorCode code, String reason) {
      return new Check(code.code(), "", reason);
    }
  }

  /**
   * Checks a token presented with {@code appKey}: 0 and the user id, or 31002 for an unknown app
   * key, or 31004 for a malformed, forged, expired, revoked or other-app token.
   */
  public Check check(String appKey, String token) {
    String secret = secrets.get(appKey);
    if (secret == null) {
      return Check.refused(ErrorCode.CONN_ID_REJECT, "unknown app key");
    }
    TokenClaims claims;
    try {
      claims = Tokens.verify(token, secret);
    } catch (InvalidTokenException e) {
      return Check.refused(ErrorCode.CONN_TOKEN_INCORRECT, e.getMessage());
    }
    if (!claims.appKey().equals(appKey)) {
      return Check.refused(ErrorCode.CONN_TOKEN_INCORRECT, "token belongs to another app key");
    }
    if (claims.isExpiredAt(clock.instant())) {
      return Check.refused(ErrorCode.CONN_TOKEN_INCORRECT, "token expired");
    }
    if (claims.issuedAt().toEpochMilli() < state.revokedBefore(appKey, claims.userId())) {
      return Check.refused(ErrorCode.CONN_TOKEN_INCORRECT, "token revoked");
    }
    return new Check(0, claims.userId(), "");
  }
}
