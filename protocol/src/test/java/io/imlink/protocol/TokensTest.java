package io.imlink.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class TokensTest {
  private static final String SECRET = "s3cr3t-app-secret";
  private static final Instant T = Instant.parse("2026-11-26T10:15:30.123Z");

  @Test
  void roundTripsAndReadsWithoutTheSecret() throws Exception {
    TokenClaims claims = new TokenClaims("app-key", "alice", T, T.plusSeconds(3600));
    String token = Tokens.sign(claims, SECRET);
    assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    assertThat(Tokens.peek(token)).isEqualTo(claims);
    assertThat(Tokens.verify(token, SECRET)).isEqualTo(claims);
    assertThat(Tokens.peek(Tokens.sign(new TokenClaims("k", "u", T, null), SECRET)).expiry()).isEmpty();
  }

  @Test
  void longestIdsStayWithin256Bytes() throws Exception {
    String longest = "\u00e9".repeat(32); // 64 UTF-8 bytes
    String token = Tokens.sign(new TokenClaims(longest, longest, T, T.plusMillis(1)), SECRET);
    assertThat(token.length()).isLessThanOrEqualTo(Limits.MAX_TOKEN_LENGTH);
    assertThat(Tokens.verify(token, SECRET).userId()).isEqualTo(longest);
  }

  @Test
  void anotherSecretOrATamperedTokenDoesNotVerify() throws Exception {
    String token = Tokens.sign(new TokenClaims("app", "alice", T, null), SECRET);
    assertThatThrownBy(() -> Tokens.verify(token, "other-secret"))
        .isInstanceOf(InvalidTokenException.class)
        .hasMessage("token signature does not verify");

    // Forge: same signature, claims changed to another user.
    String forgedClaims =
        Base64.getUrlEncoder().withoutPadding().encodeToString(
            Base64.getUrlDecoder().decode(
                Tokens.sign(new TokenClaims("app", "mallory", T, null), "guess").split("\\.")[0]));
    String forged = forgedClaims + "." + token.split("\\.")[1];
    assertThat(Tokens.peek(forged).userId()).isEqualTo("mallory");
    assertThatThrownBy(() -> Tokens.verify(forged, SECRET)).isInstanceOf(InvalidTokenException.class);

    // Flip one character of the signature.
    char last = token.charAt(token.length() - 1);
    String flipped = token.substring(0, token.length() - 1) + (last == 'A' ? 'B' : 'A');
    assertThatThrownBy(() -> Tokens.verify(flipped, SECRET)).isInstanceOf(InvalidTokenException.class);
  }

  @Test
  void malformedTokensAreRefusedWithAReason() {
    assertThatThrownBy(() -> Tokens.peek("")).hasMessage("token is empty");
    assertThatThrownBy(() -> Tokens.peek("abc")).hasMessage("token is not of the form <claims>.<signature>");
    assertThatThrownBy(() -> Tokens.peek("a.b.c")).hasMessage("token is not of the form <claims>.<signature>");
    assertThatThrownBy(() -> Tokens.peek("!!!.AAAA")).hasMessage("token is not base64url");
    assertThatThrownBy(() -> Tokens.peek("AAAA.AAAA")).hasMessage("token signature has the wrong length");
    assertThatThrownBy(() -> Tokens.peek("x".repeat(300))).hasMessage("token is longer than 256 characters");
    String sig = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
    assertThatThrownBy(() -> Tokens.peek("AQ." + sig)).hasMessage("token claims are malformed");
    assertThatThrownBy(() -> Tokens.peek("Ag." + sig)).hasMessage("unknown token version");
  }

  @Test
  void claimsAreValidated() {
    assertThatThrownBy(() -> new TokenClaims("app", "", T, null))
        .hasMessage("userId must be 1 to 64 UTF-8 bytes, got 0");
    assertThatThrownBy(() -> new TokenClaims("app", "u".repeat(65), T, null))
        .hasMessage("userId must be 1 to 64 UTF-8 bytes, got 65");
    assertThatThrownBy(() -> new TokenClaims("app", "u", T, T)).hasMessage("expiresAt must be after issuedAt");
    TokenClaims c = new TokenClaims("app", "u", T, T.plusSeconds(10));
    assertThat(c.isExpiredAt(T.plusSeconds(9))).isFalse();
    assertThat(c.isExpiredAt(T.plusSeconds(10))).isTrue();
  }
}
