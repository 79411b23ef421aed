package io.imlink.tck;

import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A {@link FrameHandler} that records what it sees, for tests: every frame in a queue, the number
 * of close reports and the first close cause. Optionally reacts to each frame (to echo, say).
 *
 * <p>Thread safety: all state is thread-safe; the await methods block the calling test thread.
 */
public class RecordingFrameHandler implements FrameHandler {
  /** Default bound on waiting for an event. */
  public static final Duration WAIT = Duration.ofSeconds(10);

  private final BlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
  private final AtomicInteger closeCount = new AtomicInteger();
  private final AtomicInteger framesAfterClose = new AtomicInteger();
  private final CompletableFuture<Throwable> closed = new CompletableFuture<>();
  private final BiConsumer<FrameChannel, byte[]> onFrame;
  private volatile FrameChannel channel;

  /** Records only. */
  public RecordingFrameHandler() {
    this((c, f) -> {});
  }

  /** Records, then runs {@code onFrame} for each frame. */
  public RecordingFrameHandler(BiConsumer<FrameChannel, byte[]> onFrame) {
    this.onFrame = onFrame;
  }

  /** A handler that sends every frame straight back. */
  public static RecordingFrameHandler echo() {
    return new RecordingFrameHandler((c, f) -> c.send(f));
  }

  @Override
  public void onFrame(FrameChannel channel, byte[] frame) {
    this.channel = channel;
    if (closeCount.get() > 0) {
      framesAfterClose.incrementAndGet();
    }
    frames.add(frame);
    onFrame.accept(channel, frame);
  }

  @Override
  public void onClosed(FrameChannel channel, Throwable cause) {
    this.channel = channel;
    closeCount.incrementAndGet();
    closed.complete(cause);
  }

  /** The next frame, waiting up to {@link #WAIT}; fails the test if none comes. */
  public byte[] nextFrame() throws InterruptedException {
    byte[] f = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (f == null) {
      throw new AssertionError("no frame arrived within " + WAIT);
    }
    return f;
  }

  /** The next frame if one is already queued, else null. */
  public byte[] pollFrame() {
    return frames.poll();
  }

  /** Waits up to {@link #WAIT} for the close report and returns its cause (null if orderly). */
  public Throwable awaitClosed() throws Exception {
    return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether the close was reported. */
  public boolean isClosed() {
    return closed.isDone();
  }

  /** How many times {@code onClosed} was called (must end up exactly 1). */
  public int closeCount() {
    return closeCount.get();
  }

  /** Frames delivered after {@code onClosed} (must be 0). */
  public int framesAfterClose() {
    return framesAfterClose.get();
  }

  /** The channel seen by the last event, or null. */
  public FrameChannel channel() {
    return channel;
  }
}
