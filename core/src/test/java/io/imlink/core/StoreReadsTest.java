package io.imlink.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ConversationType;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.SendMessageCallback;
import io.imlink.api.spi.StorageProvider;
import io.imlink.api.spi.TransportProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local store's reads (history, conversations, unread count, markRead) around connect and
 * disconnect, with the in-memory store: served from onDatabaseOpened on; "no user's store" — an
 * IllegalStateException, the state in which sendMessage answers 33001 — from the moment
 * disconnect() or close() returns, whatever the engine's loop is still doing.
 */
class StoreReadsTest {
  private static final ConversationType PRIVATE = ConversationType.PRIVATE;

  @TempDir Path tmp;

  /**
   * An engine whose callbacks run inline on the engine's loop (a direct callback executor): a
   * listener that waits holds the loop, so the test decides when the loop gets to a disconnect.
   */
  private ImEngine engineOnTheLoop() {
    return TestProviders.builder(tmp, TestProviders.TcpA.class, TestProviders.TCP)
        .callbackExecutor(Runnable::run)
        .build();
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private void assertNoUsersStore(ImEngine engine, String message) {
    assertReadsThrow(engine, message);
    assertThat(engine.sendMessage("bob", "RC:TxtMsg", "{}", null)).isEqualTo(33001);
  }

  private void assertReadsThrow(ImEngine engine, String message) {
    assertThatThrownBy(() -> engine.getHistory(PRIVATE, "bob", null, 10))
        .isInstanceOf(IllegalStateException.class).hasMessage(message);
    assertThatThrownBy(() -> engine.getConversations(10))
        .isInstanceOf(IllegalStateException.class).hasMessage(message);
    assertThatThrownBy(engine::getTotalUnreadCount)
        .isInstanceOf(IllegalStateException.class).hasMessage(message);
    assertThatThrownBy(() -> engine.markRead(PRIVATE, "bob"))
        .isInstanceOf(IllegalStateException.class).hasMessage(message);
    assertThat(message).doesNotContain(tmp.toString());
  }

  @Test
  void afterDisconnectReturnsReadsThrowEvenBeforeTheLoopHasClosedTheStore() {
    String signedOut = "no user's store is open: disconnect() closed it; connect(token, timeout) opens it again";
    CountDownLatch release = new CountDownLatch(1);
    try (ImEngine engine = engineOnTheLoop()) {
      try {
        holdTheLoopAndDisconnect(engine, release, signedOut);
      } finally {
        release.countDown(); // never leave the loop held, or close() would wait for it
      }
    }
  }

  private void holdTheLoopAndDisconnect(ImEngine engine, CountDownLatch release, String signedOut) {
    CountDownLatch opened = new CountDownLatch(1);
    CountDownLatch signOut = new CountDownLatch(1);
    engine.setOnDatabaseOpened(code -> {
      opened.countDown();
      await(release); // holds the loop: the disconnect below waits behind this callback
    });
    engine.addConnectionStatusListener((status, reason) -> {
      if (status == ConnectionStatus.SIGN_OUT) {
        signOut.countDown();
      }
    });
    assertThat(engine.connect(EngineThreadingTest.TOKEN, 0)).isZero();
    await(opened);
    // Open from onDatabaseOpened on.
    assertThat(engine.getHistory(PRIVATE, "bob", null, 10)).isEmpty();
    assertThat(engine.getTotalUnreadCount()).isZero();

    assertThat(engine.disconnect()).isZero();
    // The loop has not even started signing out: the store is still open on its side.
    assertThat(signOut.getCount()).isOne();
    assertNoUsersStore(engine, signedOut);

    release.countDown();
    await(signOut);
    assertNoUsersStore(engine, signedOut);
  }

  @Test
  void badArgumentsAreNamedBeforeTheStateIsLookedAt() throws Exception {
    try (ImEngine engine = engineOnTheLoop()) {
      assertBadArgumentsNamed(engine); // no store yet
      CountDownLatch opened = new CountDownLatch(1);
      engine.setOnDatabaseOpened(code -> opened.countDown());
      engine.connect(EngineThreadingTest.TOKEN, 0);
      await(opened);
      assertBadArgumentsNamed(engine); // a store open
    }
  }

  private static void assertBadArgumentsNamed(ImEngine engine) {
    assertThatThrownBy(() -> engine.getHistory(null, "bob", null, 10))
        .isInstanceOf(NullPointerException.class).hasMessage("type");
    assertThatThrownBy(() -> engine.getHistory(PRIVATE, null, null, 10))
        .isInstanceOf(NullPointerException.class).hasMessage("targetId");
    assertThatThrownBy(() -> engine.getHistory(PRIVATE, "bob", null, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be at least 1, got 0");
    assertThatThrownBy(() -> engine.getConversations(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be at least 1, got 0");
    assertThatThrownBy(() -> engine.markRead(null, "bob"))
        .isInstanceOf(NullPointerException.class).hasMessage("type");
    assertThatThrownBy(() -> engine.markRead(PRIVATE, null))
        .isInstanceOf(NullPointerException.class).hasMessage("targetId");
  }

  @Test
  void readsNeedAConnectAndComeBackWithTheStoreAfterADisconnect() throws Exception {
    ImEngine engine = engineOnTheLoop();
    CountDownLatch release = new CountDownLatch(1);
    try {
      assertNoUsersStore(engine, "no user's store is open: call connect(token, timeout) first");

      AtomicInteger opens = new AtomicInteger();
      CountDownLatch firstOpen = new CountDownLatch(1);
      CountDownLatch secondOpen = new CountDownLatch(1);
      engine.setOnDatabaseOpened(code -> (opens.incrementAndGet() == 1 ? firstOpen : secondOpen).countDown());
      CountDownLatch signOut = new CountDownLatch(1);
      engine.addConnectionStatusListener((status, reason) -> {
        if (status == ConnectionStatus.SIGN_OUT) {
          signOut.countDown();
          await(release); // holds the loop: the next connect waits behind this callback
        }
      });

      engine.connect(EngineThreadingTest.TOKEN, 0);
      await(firstOpen);
      CompletableFuture<Message> stored = new CompletableFuture<>();
      engine.sendMessage("bob", "RC:TxtMsg", "{\"content\":\"kept\"}", new SendMessageCallback() {
        @Override
        public void onStored(Message message) {
          stored.complete(message);
        }

        @Override
        public void onSent(Message message) {}

        @Override
        public void onFailed(Message message, int code) {
          stored.completeExceptionally(new AssertionError("failed: " + code));
        }
      });
      stored.get(10, TimeUnit.SECONDS);
      engine.disconnect();
      await(signOut);

      // Accepted, but the loop has not opened the store yet: reads say so; a send waits for the store.
      assertThat(engine.connect(EngineThreadingTest.TOKEN, 0)).isZero();
      assertReadsThrow(engine,
          "no user's store is open: the connect in progress has not opened it yet; wait for onDatabaseOpened");
      release.countDown();
      // The same user's store, open again: what it kept is read again.
      await(secondOpen);
      assertThat(engine.getHistory(PRIVATE, "bob", null, 10)).extracting(Message::content)
          .containsExactly("{\"content\":\"kept\"}");
      assertThat(engine.getConversations(10)).hasSize(1);
    } finally {
      release.countDown(); // never leave the loop held, or close() would wait for it
      engine.close();
    }
    assertNoUsersStore(engine, "no user's store is open: the engine is closed");
  }
}
