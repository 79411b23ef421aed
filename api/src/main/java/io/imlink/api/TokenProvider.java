package io.imlink.api;

import java.util.concurrent.CompletionStage;

/**
 * Supplies a fresh token when the server refuses the current one (31004 or 31020), so that the
 * engine can recover from an expired or revoked token without the app calling {@code connect}
 * again — with a bound: at most {@code maxTokenRefreshes} per incident (default 1), so no refresh
 * loop is possible. Without a provider, 31004 is final.
 *
 * <p>Typically the app asks its own backend, which calls the server API's {@code getToken}.
 *
 * <p>Thread: called on the engine's internal thread; must not block — return a stage that
 * completes later. Call count: at most {@code maxTokenRefreshes} times between two successful
 * connections.
 */
@FunctionalInterface
public interface TokenProvider {
  /**
   * @param userId the user whose token was refused
   * @return a stage completing with a new token for the same user; completing exceptionally, with
   *     null or with a blank token makes the refusal final
   */
  CompletionStage<String> refreshToken(String userId);
}
