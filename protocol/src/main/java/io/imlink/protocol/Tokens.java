package io.imlink.protocol;

import io.imlink.api.Limits;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The imlink token format: {@code base64url(claims) "." base64url(HMAC-SHA256(appSecret, claims))},
 * unpadded, URL-safe, at most {@value Limits#MAX_TOKEN_LENGTH} characters. Only that canonical
 * spelling is read: a padded part, or one whose last character has its unused low bits set, is
 * refused, so that a token has exactly one string form.
 *
 * <p>The claims are binary: a version byte (1), the app key and user id (each a length byte and
 * UTF-8 bytes), the issue time and the expiry (each 8 bytes, ms since the epoch; expiry 0 =
 * permanent). Anyone can read them ({@link #peek}) — the client does, to open the user's database
 * offline — but only the holder of the app secret can make a token that {@link #verify}
 * accepts.
 *
 * <p>Thread safety: stateless; call from any thread.
 */
public final class Tokens {

  private static final byte VERSION = 1;
  private static final String HMAC = "HmacSHA256";
  private static final int MAC_BYTES = 32;
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private Tokens() {}

  /** Signs {@code claims} with the app secret. */
  public static String sign(TokenClaims claims, String appSecret) {
    Objects.requireNonNull(claims, "claims");
    byte[] payload = encode(claims);
    return ENCODER.encodeToString(payload) + "." + ENCODER.encodeToString(mac(appSecret, payload));
  }

  /**
   * Reads the claims without checking the signature: for a client, which has no secret. Never
   * trust the result for authorisation.
   *
   * @throws InvalidTokenException if the string is not a well-formed token
   */
  public static TokenClaims peek(String token) throws InvalidTokenException {
    return decode(split(token)[0]);
  }

  /**
   * Checks the signature in constant time and returns the claims. Does not check expiry,
   * revocation or the app key: that is the caller's policy.
   *
   * @throws InvalidTokenException if the token is malformed or its signature does not verify
   */
  public static TokenClaims verify(String token, String appSecret) throws InvalidTokenException {
    byte[][] parts = split(token);
    byte[] expected = mac(appSecret, parts[0]);
    if (!MessageDigest.isEqual(expected, parts[1])) {
      throw new InvalidTokenException("token signature does not verify");
    }
    return decode(parts[0]);
  }

  private static byte[][] split(String token) throws InvalidTokenException {
    if (token == null || token.isEmpty()) {
      throw new InvalidTokenException("token is empty");
    }
    if (token.length() > Limits.MAX_TOKEN_LENGTH) {
      throw new InvalidTokenException("token is longer than " + Limits.MAX_TOKEN_LENGTH + " characters");
    }
    int dot = token.indexOf('.');
    if (dot <= 0 || dot != token.lastIndexOf('.') || dot == token.length() - 1) {
      throw new InvalidTokenException("token is not of the form <claims>.<signature>");
    }
    byte[] payload = decodeCanonical(token.substring(0, dot));
    byte[] mac = decodeCanonical(token.substring(dot + 1));
    if (mac.length != MAC_BYTES) {
      throw new InvalidTokenException("token signature has the wrong length");
    }
    return new byte[][] {payload, mac};
  }

  /**
   * Decodes one part of a token, which must be exactly what {@link #sign} writes: unpadded
   * base64url with the unused low bits of the last character zero. The JDK decoder also accepts
   * {@code =} padding and ignores those bits, so several strings would read as the same bytes and
   * verify as the same token; re-encoding the bytes and comparing refuses every other spelling.
   * (The part is the caller's own input, not a secret: a plain comparison leaks nothing.)
   */
  private static byte[] decodeCanonical(String part) throws InvalidTokenException {
    byte[] bytes;
    try {
      bytes = DECODER.decode(part);
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException("token is not base64url");
    }
    if (!ENCODER.encodeToString(bytes).equals(part)) {
      throw new InvalidTokenException("token is not canonical base64url: padded, or unused bits set");
    }
    return bytes;
  }

  private static byte[] encode(TokenClaims c) {
    byte[] app = c.appKey().getBytes(StandardCharsets.UTF_8);
    byte[] user = c.userId().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 1 + app.length + 1 + user.length + 16);
    b.put(VERSION);
    b.put((byte) app.length).put(app);
    b.put((byte) user.length).put(user);
    b.putLong(c.issuedAt().toEpochMilli());
    b.putLong(c.expiresAt() == null ? 0 : c.expiresAt().toEpochMilli());
    return b.array();
  }

  private static TokenClaims decode(byte[] payload) throws InvalidTokenException {
    try {
      ByteBuffer b = ByteBuffer.wrap(payload);
      if (b.get() != VERSION) {
        throw new InvalidTokenException("unknown token version");
      }
      String app = readId(b);
      String user = readId(b);
      long issued = b.getLong();
      long expires = b.getLong();
      if (b.hasRemaining()) {
        throw new InvalidTokenException("token claims have trailing bytes");
      }
      return new TokenClaims(
          app, user, Instant.ofEpochMilli(issued), expires == 0 ? null : Instant.ofEpochMilli(expires));
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new InvalidTokenException("token claims are malformed");
    }
  }

  private static String readId(ByteBuffer b) throws InvalidTokenException {
    int len = Byte.toUnsignedInt(b.get());
    byte[] bytes = new byte[len];
    b.get(bytes);
    try {
      // Strict: a lenient decode would read malformed bytes as U+FFFD, claims that re-sign to
      // another token.
      return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new InvalidTokenException("token claims are not UTF-8");
    }
  }

  private static byte[] mac(String appSecret, byte[] payload) {
    Objects.requireNonNull(appSecret, "appSecret");
    if (appSecret.isEmpty()) {
      throw new IllegalArgumentException("appSecret must not be empty");
    }
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(appSecret.getBytes(StandardCharsets.UTF_8), HMAC));
      return mac.doFinal(payload);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
    }
  }
}
