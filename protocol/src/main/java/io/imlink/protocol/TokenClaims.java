package io.imlink.protocol;

import io.imlink.api.Limits;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a token says: which app and user it is for, when it was issued, and when (if ever) it
 * expires. Reading claims ({@link Tokens#peek}) needs no secret; trusting them needs {@link
 * Tokens#verify}.
 *
 * @param appKey the app the token was issued for (1 to 64 UTF-8 bytes)
 * @param userId the user (1 to 64 UTF-8 bytes)
 * @param issuedAt when it was issued, to the millisecond
 * @param expiresAt when it stops being valid, or null for a permanent token
 */
public record TokenClaims(String appKey, String userId, Instant issuedAt, Instant expiresAt) {

  public TokenClaims {
    checkId(appKey, "appKey");
    checkId(userId, "userId");
    Objects.requireNonNull(issuedAt, "issuedAt");
    issuedAt = Instant.ofEpochMilli(issuedAt.toEpochMilli());
    if (expiresAt != null) {
      expiresAt = Instant.ofEpochMilli(expiresAt.toEpochMilli());
      if (!expiresAt.isAfter(issuedAt)) {
        throw new IllegalArgumentException("expiresAt must be after issuedAt");
      }
    }
  }

  private static void checkId(String value, String name) {
    Objects.requireNonNull(value, name);
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes == 0 || bytes > Limits.MAX_ID_BYTES) {
      throw new IllegalArgumentException(name + " must be 1 to " + Limits.MAX_ID_BYTES + " UTF-8 bytes, got " + bytes);
    }
  }

  /** When the token expires; empty for a permanent token. */
  public Optional<Instant> expiry() {
    return Optional.ofNullable(expiresAt);
  }

  /** Whether the token has expired at {@code now}. */
  public boolean isExpiredAt(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }
}
