package io.imlink.api.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A helper for {@link Connector} implementations: turns the transport's own "opened" future into
 * the future {@link Connector#connect} returns, with the contract's rules — the connect timer is
 * cancelled once the outcome is known, a channel that opens after the caller cancelled is
 * abandoned, and a cancelled connect cancels the transport's attempt.
 *
 * <p>Thread safety: stateless; call from any thread.
 */
public final class PendingConnect {
  private PendingConnect() {}

  /**
   * @param opened completes with the channel once the transport has opened it, or exceptionally
   * @param timeout the connect timer to cancel once {@code opened} completes
   * @param abandon closes whatever the attempt opened or will open, without telling the handler
   * @return the future to return from {@link Connector#connect}
   */
  public static CompletableFuture<FrameChannel> bridge(CompletableFuture<FrameChannel> opened, Future<?> timeout,
      Runnable abandon) {
    CompletableFuture<FrameChannel> result = new CompletableFuture<>();
    opened.whenComplete((channel, error) -> {
      timeout.cancel(false);
      if (error != null) {
        result.completeExceptionally(error);
      } else if (!result.complete(channel)) {
        abandon.run(); // the caller gave up meanwhile
      }
    });
    result.whenComplete((channel, error) -> {
      if (result.isCancelled()) {
        opened.cancel(false);
        abandon.run();
      }
    });
    return result;
  }
}
