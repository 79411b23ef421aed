package io.imlink.api.spi;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Which store to open: one per (app key, user id), under the engine's data directory.
 *
 * <p>The user id comes from a token and must be treated as hostile input by a backend that turns it
 * into a file name: it may contain {@code ..}, {@code /}, NUL or be very long.
 *
 * @param appKey the app key the engine was built with
 * @param userId the user id read from the token
 * @param dataDirectory the engine's data directory (may not exist yet)
 */
public record StoreLocation(String appKey, String userId, Path dataDirectory) {
  public StoreLocation {
    Objects.requireNonNull(appKey, "appKey");
    Objects.requireNonNull(userId, "userId");
    Objects.requireNonNull(dataDirectory, "dataDirectory");
  }
}
