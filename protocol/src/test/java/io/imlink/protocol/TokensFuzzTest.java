package io.imlink.protocol;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Fuzzes token parsing. {@link Tokens#peek} and {@link Tokens#verify} throw nothing but
 * {@link InvalidTokenException}, and a token has one canonical form: claims that peek reads
 * re-encode to the token's claims part, and a token that verifies re-signs to the identical
 * string. Half the inputs are arbitrary strings; the other half arbitrary claims bytes signed
 * with the secret, so that the fuzzer reaches the claims decoder behind the signature check.
 * Seeds: {@code src/test/resources/io/imlink/protocol/TokensFuzzTestInputs/token/}.
 */
class TokensFuzzTest {
  private static final String SECRET = "app-secret-0123";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  @FuzzTest(maxDuration = "30s")
  void token(FuzzedDataProvider data) throws Exception {
    String token;
    if (data.consumeBoolean()) {
      byte[] claims = data.consumeRemainingAsBytes();
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      token = B64.encodeToString(claims) + "." + B64.encodeToString(mac.doFinal(claims));
    } else {
      token = data.consumeRemainingAsString();
    }

    TokenClaims peeked = null;
    try {
      peeked = Tokens.peek(token);
    } catch (InvalidTokenException expected) {
      // refused: fine
    }
    if (peeked != null) {
      String claimsPart = Tokens.sign(peeked, SECRET).split("\\.")[0];
      if (!token.startsWith(claimsPart + ".")) {
        throw new AssertionError("peek read claims that re-encode otherwise: " + token + " -> " + peeked);
      }
    }

    TokenClaims verified;
    try {
      verified = Tokens.verify(token, SECRET);
    } catch (InvalidTokenException expected) {
      return;
    }
    String again = Tokens.sign(verified, SECRET);
    if (!again.equals(token)) {
      throw new AssertionError("a token that verifies does not re-sign to itself: " + token + " -> " + again);
    }
  }
}
