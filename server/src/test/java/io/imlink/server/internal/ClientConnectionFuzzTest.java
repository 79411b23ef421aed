package io.imlink.server.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imlink.protocol.Frames;
import io.imlink.api.Limits;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Frame;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fuzzes a server connection's frame handling through the transport SPI, with an in-memory
 * channel and a real SQLite inbox: (a) arbitrary bytes as the first frames of a connection, (b)
 * arbitrary frames after a valid ConnectRequest. Nothing escapes {@code onFrame}; every frame the
 * server sends decodes and is within {@link Limits#MAX_FRAME_BYTES}; a ConnectAck with code 0
 * answers only the valid token. One server context serves the whole run; its workers and inbox
 * reads run on the calling thread, so each input is handled deterministically before it returns
 * (only publish completions come back from the inbox's writer thread: their frames are checked as
 * they are sent, and a violation fails the input being run then).
 * Seeds: {@code src/test/resources/io/imlink/server/internal/ClientConnectionFuzzTestInputs/frames/}.
 */
class ClientConnectionFuzzTest {
  private static final String APP = TestChannel.APP;
  private static final Queue<String> violations = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger connections = new AtomicInteger();
  private static ServerContext ctx;
  private static String validToken;

  private static synchronized ServerContext context() throws IOException {
    if (ctx == null) {
      ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "fuzz-scheduler");
        t.setDaemon(true);
        return t;
      });
      scheduler.setRemoveOnCancelPolicy(true);
      ctx = TestChannel.context(Inbox.temporary(new SecureRandom()), scheduler, Runnable::run, Runnable::run, 1e9);
      validToken = ctx.tokens().issue(APP, "alice");
    }
    return ctx;
  }

  /** A connection as the server sees it; checks every frame the server sends on it. */
  private static final class Channel extends TestChannel {
    final boolean validTokenSent;

    Channel(boolean validTokenSent) {
      super(new InetSocketAddress(InetAddress.getLoopbackAddress(), 1024 + connections.incrementAndGet() % 60_000));
      this.validTokenSent = validTokenSent;
    }

    @Override
    protected Frame decoded(byte[] frame) {
      if (frame.length > Limits.MAX_FRAME_BYTES) {
        violations.add("the server sent a frame of " + frame.length + " bytes");
      }
      Frame f;
      try {
        f = Frames.decode(frame);
      } catch (IOException e) {
        violations.add("the server sent a frame that does not decode: " + e);
        return null;
      }
      if (f.hasConnectAck() && f.getConnectAck().getCode() == 0 && !validTokenSent) {
        violations.add("ConnectAck 0 without the valid token: " + f);
      }
      return f;
    }
  }

  @FuzzTest(maxDuration = "30s")
  void frames(FuzzedDataProvider data) throws Exception {
    ServerContext ctx = context();
    boolean authenticated = data.consumeBoolean();
    Channel ch = new Channel(authenticated);
    ch.handler = ctx.accept(ch);
    if (authenticated) {
      ch.handler.onFrame(ch, Frame.newBuilder().setConnectRequest(ConnectRequest.newBuilder()
          .setProtocolVersion(Frames.PROTOCOL_VERSION).setAppKey(APP).setToken(validToken).setDeviceId("d-fuzz"))
          .build().toByteArray());
      Frame first = ch.sent.peek();
      boolean acked = ch.sent.size() == 1 && first.hasConnectAck() && first.getConnectAck().getCode() == 0;
      if (!acked) {
        throw new AssertionError("the valid ConnectRequest was not answered with ConnectAck 0: " + ch.sent);
      }
    }
    int frames = data.consumeInt(1, 8);
    for (int i = 0; i < frames && data.remainingBytes() > 0 && ch.isOpen(); i++) {
      byte[] frame = i == frames - 1 ? data.consumeRemainingAsBytes() : data.consumeBytes(data.consumeInt(0, 512));
      ch.handler.onFrame(ch, frame); // throws if anything escapes
    }
    ch.close();
    String violation = violations.poll();
    if (violation != null) {
      violations.clear();
      throw new AssertionError(violation);
    }
  }
}
