package io.imlink.protocol;

import io.imlink.api.Limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
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

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /** How many low bits of the last character of an unpadded base64 string of {@code n} characters carry no data. */
  private static int unusedBits(int n) {
    return switch (n % 4) {
      case 2 -> 4;
      case 3 -> 2;
      default -> 0;
    };
  }

  /**
   * Every other spelling of {@code part} that a lenient decoder reads as the same bytes: padded,
   * or with the last character's unused low bits set.
   */
  private static List<String> nonCanonicalSpellings(String part) {
    List<String> out = new ArrayList<>(List.of(part + "=", part + "==", part + "==="));
    int last = ALPHABET.indexOf(part.charAt(part.length() - 1));
    int mask = (1 << unusedBits(part.length())) - 1;
    assertThat(last & mask).as("the canonical last character has its unused bits zero").isZero();
    for (int bits = 1; bits <= mask; bits++) {
      String variant = part.substring(0, part.length() - 1) + ALPHABET.charAt(last | bits);
      assertThat(Base64.getUrlDecoder().decode(variant)).as("a lenient decoder reads %s as %s", variant, part)
          .isEqualTo(Base64.getUrlDecoder().decode(part));
      out.add(variant);
    }
    return out;
  }

  @Test
  void onlyTheCanonicalEncodingOfATokenVerifies() throws Exception {
    // Claims of 28 and 29 bytes: their last character has 4 and 2 unused bits; the 32-byte MAC's has 2.
    for (String user : List.of("alice1", "alice12")) {
      String token = Tokens.sign(new TokenClaims("app", user, T, null), SECRET);
      String claims = token.substring(0, token.indexOf('.'));
      String sig = token.substring(token.indexOf('.') + 1);
      assertThat(unusedBits(claims.length())).as("claims of %s end with unused bits", user).isPositive();
      assertThat(unusedBits(sig.length())).isEqualTo(2);
      assertThat(Tokens.verify(token, SECRET).userId()).isEqualTo(user);
      assertThat(Tokens.peek(token).userId()).isEqualTo(user);

      List<String> variants = new ArrayList<>();
      nonCanonicalSpellings(claims).forEach(c -> variants.add(c + "." + sig));
      nonCanonicalSpellings(sig).forEach(s -> variants.add(claims + "." + s));
      assertThat(variants).hasSize(user.equals("alice1") ? 3 + 15 + 3 + 3 : 3 + 3 + 3 + 3);
      for (String variant : variants) {
        assertThatExceptionOfType(InvalidTokenException.class).as("verify %s", variant)
            .isThrownBy(() -> Tokens.verify(variant, SECRET));
        assertThatExceptionOfType(InvalidTokenException.class).as("peek %s", variant)
            .isThrownBy(() -> Tokens.peek(variant));
      }
    }
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
    assertThatThrownBy(() -> Tokens.peek("AR." + sig)) // "AQ" with an unused bit set
        .hasMessage("token is not canonical base64url: padded, or unused bits set");
    assertThatThrownBy(() -> Tokens.peek("AQ==." + sig))
        .hasMessage("token is not canonical base64url: padded, or unused bits set");
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
