package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.RemoteCloseException;
import io.imlink.protocol.Frames;
import io.imlink.api.Limits;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.Deliver;
import io.imlink.protocol.v1.DeliverAck;
import io.imlink.protocol.v1.DeliveredMessage;
import io.imlink.protocol.v1.DeviceClass;
import io.imlink.protocol.v1.Disconnect;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.Ping;
import io.imlink.protocol.v1.Publish;
import io.imlink.protocol.v1.PublishAck;
import io.imlink.protocol.v1.SyncRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server's side of the wire protocol ({@code docs/protocol.md}), spoken in raw frames over the
 * transport under test, never through the engine. Each test names the section whose MUSTs it
 * checks. An independent server implementation can run this suite by overriding {@link
 * #startServer} (and the fixture's token source) to start itself instead of the reference server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
public abstract class ProtocolConformanceContract extends EngineFixture {

  /** A raw connection: what the server sent, decoded, and a way to send frames. */
  protected final class Peer {
    final RecordingFrameHandler handler = new RecordingFrameHandler();
    final FrameChannel channel;

    Peer() throws Exception {
      channel = rawConnect(handler);
    }

    void send(Frame f) {
      channel.send(Frames.encode(f));
    }

    /** The next frame the server sent; also checks it was within the announced frame limit. */
    Frame next() throws Exception {
      byte[] bytes = handler.nextFrame();
      assertThat(bytes.length).as("§3: no frame over the maximum frame size").isLessThanOrEqualTo(Limits.MAX_FRAME_BYTES);
      return Frames.decode(bytes);
    }

    /** The next frame of a kind, skipping others (pongs, live pushes) that may come in between. */
    Frame next(Frame.BodyCase body) throws Exception {
      while (true) {
        Frame f = next();
        if (f.getBodyCase() == body) {
          return f;
        }
      }
    }

    ConnectAck connect(ConnectRequest.Builder request) throws Exception {
      send(Frame.newBuilder().setConnectRequest(request).build());
      return next(Frame.BodyCase.CONNECT_ACK).getConnectAck();
    }

    /** Connects as {@code user} and checks the session was accepted. */
    Peer as(String user) throws Exception {
      ConnectAck ack = connect(request(api.getToken(user)));
      assertThat(ack.getCode()).as("connect as %s: %s", user, ack.getReason()).isZero();
      return this;
    }

    PublishAck publish(Publish.Builder p) throws Exception {
      send(Frame.newBuilder().setPublish(p).build());
      return next(Frame.BodyCase.PUBLISH_ACK).getPublishAck();
    }

    Deliver sync(long after, int limit) throws Exception {
      send(Frame.newBuilder().setSyncRequest(SyncRequest.newBuilder().setAfterSeq(after).setLimit(limit)).build());
      return next(Frame.BodyCase.DELIVER).getDeliver();
    }

    /** Syncs everything from 0 and returns the messages; the session is live afterwards. */
    List<DeliveredMessage> syncAll() throws Exception {
      List<DeliveredMessage> all = new ArrayList<>();
      long after = 0;
      while (true) {
        Deliver page = sync(after, Limits.SYNC_PAGE_SIZE);
        all.addAll(page.getMessagesList());
        if (page.getMessagesCount() > 0) {
          after = page.getMessages(page.getMessagesCount() - 1).getSeq();
        }
        if (page.getLeft() == 0) {
          return all;
        }
      }
    }

    /** Waits for the server to close the connection; the cause the transport reported. */
    Throwable awaitClosed() throws Exception {
      return handler.awaitClosed();
    }
  }

  /**
   * Whether the transport has means of its own to say why a connection closes (§2.4: WebSocket
   * close codes, gRPC statuses); TCP has none.
   */
  protected boolean carriesCloseCodes() {
    return true;
  }

  protected ConnectRequest.Builder request(String token) {
    return ConnectRequest.newBuilder().setProtocolVersion(Frames.PROTOCOL_VERSION).setAppKey(APP_KEY).setToken(token)
        .setDeviceId("conformance-" + UUID.randomUUID()).setSdkVersion("conformance/1");
  }

  protected static Publish.Builder message(String to, String content) {
    return Publish.newBuilder().setClientMessageId(UUID.randomUUID().toString()).setToUserId(to)
        .setObjectName("RC:TxtMsg").setContent(content);
  }

  private static Frame ping(long id) {
    return Frame.newBuilder().setPing(Ping.newBuilder().setId(id)).build();
  }

  // ---- §2.4 transport-level closes --------------------------------------------------------------

  @Test
  void s2_4_refusalsAndDisconnectsAreAlsoSaidByTheTransportsOwnClose() throws Exception {
    startServer();
    Peer refused = new Peer();
    assertThat(refused.connect(request("not-a-token")).getCode()).isEqualTo(31004);
    assertCloseCode(refused.awaitClosed(), 31004);

    Peer blocked = new Peer().as("abe");
    api.block("abe", 10);
    assertThat(blocked.next(Frame.BodyCase.DISCONNECT).getDisconnect().getCode()).isEqualTo(31009);
    assertCloseCode(blocked.awaitClosed(), 31009);
  }

  private void assertCloseCode(Throwable cause, int code) {
    if (carriesCloseCodes()) {
      assertThat(cause).isInstanceOf(RemoteCloseException.class);
      assertThat(((RemoteCloseException) cause).code()).isEqualTo(code);
    } else {
      assertThat(cause).as("TCP closes without a code of its own").isNull();
    }
  }

  // ---- §4.1 order of frames ----------------------------------------------------------------------

  @Test
  void s4_1_anyFrameButConnectRequestBeforeAuthenticationClosesTheConnectionWithoutAReply() throws Exception {
    startServer();
    for (Frame first : List.of(ping(1),
        Frame.newBuilder().setPublish(message("bob", "{}")).build(),
        Frame.newBuilder().setSyncRequest(SyncRequest.newBuilder()).build())) {
      Peer p = new Peer();
      p.send(first);
      p.awaitClosed();
      assertThat(p.handler.pollFrame()).as("no reply to %s", first.getBodyCase()).isNull();
    }
    Peer garbage = new Peer();
    garbage.channel.send(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    garbage.awaitClosed();
    assertThat(server.stats().connectRequests()).isZero();
  }

  @Test
  void s4_1_aSecondConnectRequestOrBytesThatAreNotAFrameCloseTheSession() throws Exception {
    startServer();
    Peer p = new Peer().as("ann");
    p.send(Frame.newBuilder().setConnectRequest(request(api.getToken("ann"))).build());
    p.awaitClosed();
    Peer q = new Peer().as("ann");
    q.channel.send(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    q.awaitClosed();
  }

  @Test
  void s4_1_aConnectionThatNeverSendsAConnectRequestIsClosedAfterTheAuthTimeout() throws Exception {
    FakeClock serverTime = new FakeClock(Instant.now());
    startServer(b -> b.scheduler(serverTime.scheduler()).clock(serverTime.clock()));
    Peer p = new Peer();
    Await.until("the server accepted the connection", () -> server.stats().connectionsAccepted() == 1);
    Await.until("the auth timer is armed", () -> serverTime.pendingDelays().contains(Duration.ofSeconds(10)));
    serverTime.forward(Duration.ofMillis(9_999));
    assertThat(p.handler.isClosed()).isFalse();
    serverTime.forward(Duration.ofMillis(1));
    p.awaitClosed();
  }

  @Test
  void s4_1_bodiesTheServerDoesNotKnowAreIgnoredAfterAuthentication() throws Exception {
    startServer();
    Peer p = new Peer().as("ben");
    // Field 60 of Frame: reserved for a later version's body, unknown to a version-1 reader.
    p.channel.send(new byte[] {(byte) 0xe2, 0x03, 0x00});
    p.send(ping(5));
    assertThat(p.next(Frame.BodyCase.PONG).getPong().getId()).isEqualTo(5);
  }

  // ---- §4.2, §4.3 authentication and ConnectAck -------------------------------------------------

  @Test
  void s4_3_anAcceptedConnectAckCarriesEveryField() throws Exception {
    startServer();
    Peer p = new Peer();
    long before = System.currentTimeMillis();
    ConnectAck ack = p.connect(request(api.getToken("cat")));
    assertThat(ack.getCode()).isZero();
    assertThat(ack.getUserId()).isEqualTo("cat");
    assertThat(ack.getSessionId()).isNotEmpty();
    assertThat(ack.getServerTimeMs()).isBetween(before - 60_000, System.currentTimeMillis() + 60_000);
    assertThat(ack.getHeartbeatIntervalMs()).isPositive();
    assertThat(ack.getProtocolVersion()).isEqualTo(Frames.PROTOCOL_VERSION);
    assertThat(ack.getMaxFrameBytes()).isEqualTo(Limits.MAX_FRAME_BYTES);
    assertThat(ack.getServerMinProtocolVersion()).isEqualTo(Frames.MIN_PROTOCOL_VERSION);
    assertThat(ack.getServerMaxProtocolVersion()).isEqualTo(Frames.PROTOCOL_VERSION);
  }

  @Test
  void s4_2_refusalsCarryTheirCodeAndTheConnectionCloses() throws Exception {
    startServer();
    String token = api.getToken("dan");
    List<Object[]> cases = List.of(
        new Object[] {request(token).setAppKey("no-such-app"), 31002},
        new Object[] {request(token).setAppKey(OTHER_APP_KEY), 31004},
        new Object[] {request("not-a-token"), 31004},
        new Object[] {request(token.substring(0, token.length() - 2) + "AA"), 31004},
        new Object[] {request(token).setDeviceId("d".repeat(Limits.MAX_ID_BYTES + 1)), 31002},
        new Object[] {request(token).setDeviceId(HUGE_DEVICE_ID), 31002},
        new Object[] {request("t".repeat(Limits.MAX_TOKEN_LENGTH + 1)), 31002});
    for (Object[] c : cases) {
      Peer p = new Peer();
      ConnectAck ack = p.connect((ConnectRequest.Builder) c[0]);
      assertThat(ack.getCode()).as(((ConnectRequest.Builder) c[0]).toString()).isEqualTo(c[1]);
      assertThat(ack.getUserId()).isEmpty();
      assertThat(ack.getReason()).isNotEmpty();
      p.awaitClosed();
    }
  }

  /** A device id of 200,000 bytes: far over the id limit, yet its ConnectRequest fits one frame. */
  private static final String HUGE_DEVICE_ID = "d".repeat(200_000);

  @Test
  void s4_2_aDeviceIdOverTheLimitIsNeverStored() throws Exception {
    startServer();
    String token = api.getToken("dee");
    api.publishPrivate("sender", List.of("dee"), "RC:TxtMsg", "{}"); // a message to acknowledge: seq 1
    Frame connect = Frame.newBuilder().setConnectRequest(request(token).setDeviceId(HUGE_DEVICE_ID)).build();
    assertThat(Frames.encode(connect).length).as("the request fits a frame").isLessThan(Limits.MAX_FRAME_BYTES);

    // The request and an acknowledgement back to back: had the request been accepted, the
    // acknowledgement would be recorded under the device id.
    Peer refused = new Peer();
    refused.send(connect);
    refused.send(Frame.newBuilder().setDeliverAck(DeliverAck.newBuilder().setUpToSeq(1)).build());
    assertThat(refused.next(Frame.BodyCase.CONNECT_ACK).getConnectAck().getCode()).isEqualTo(31002);
    refused.awaitClosed();

    // A device within the limit acknowledges after it; once that is recorded, the other would be too.
    Peer accepted = new Peer();
    assertThat(accepted.connect(request(token).setDeviceId("dee-phone")).getCode()).isZero();
    accepted.send(Frame.newBuilder().setDeliverAck(DeliverAck.newBuilder().setUpToSeq(1)).build());
    Await.until("the valid device's acknowledgement is recorded", () -> {
      try {
        return server.acknowledgedSeq(APP_KEY, "dee", "dee-phone") == 1;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThat(server.acknowledgedSeq(APP_KEY, "dee", HUGE_DEVICE_ID)).as("nothing stored for the refused device")
        .isZero();
    assertThat(server.sessionCount()).isEqualTo(1);
  }

  @Test
  void s4_2_aRevokedTokenIsRefusedAndABlockedUserToo() throws Exception {
    startServer();
    String token = api.getToken("eve");
    api.expireTokens(Instant.now().plusSeconds(1), "eve");
    assertThat(new Peer().connect(request(token)).getCode()).isEqualTo(31004);
    api.block("fay", 10);
    assertThat(new Peer().connect(request(api.getToken("fay"))).getCode()).isEqualTo(31009);
  }

  // ---- §4.5 versions ---------------------------------------------------------------------------

  @Test
  void s4_5_theServerPicksTheHighestVersionBothSpeakOrRefusesWith31001AndItsRange() throws Exception {
    startServer();
    String token = api.getToken("gus");
    ConnectAck newer = new Peer().connect(request(token).setMinProtocolVersion(1).setProtocolVersion(7));
    assertThat(newer.getCode()).isZero();
    assertThat(newer.getProtocolVersion()).isEqualTo(1);

    for (ConnectRequest.Builder r : List.of(request(token).setMinProtocolVersion(2).setProtocolVersion(3),
        request(token).setProtocolVersion(2), request(token).setProtocolVersion(0))) {
      Peer p = new Peer();
      ConnectAck ack = p.connect(r);
      assertThat(ack.getCode()).as("versions %d to %d", r.getMinProtocolVersion(), r.getProtocolVersion())
          .isEqualTo(31001);
      assertThat(ack.getServerMinProtocolVersion()).isEqualTo(Frames.MIN_PROTOCOL_VERSION);
      assertThat(ack.getServerMaxProtocolVersion()).isEqualTo(Frames.PROTOCOL_VERSION);
      p.awaitClosed();
    }
  }

  // ---- §4.4, §4.6 ending sessions, one per device class ------------------------------------------

  @Test
  void s4_4_aClientsDisconnectEndsTheSession() throws Exception {
    startServer();
    Peer p = new Peer().as("hal");
    Await.until("online", () -> server.sessionCount() == 1);
    p.send(Frame.newBuilder().setDisconnect(Disconnect.newBuilder().setCode(0)).build());
    p.awaitClosed();
    Await.until("the session ended", () -> server.sessionCount() == 0);
  }

  @Test
  void s4_6_aNewerLoginOfTheClassKicksTheOlderAndTheSameDeviceReplacesItsConnection() throws Exception {
    startServer();
    Peer first = new Peer();
    assertThat(first.connect(request(api.getToken("ida")).setDeviceClass(DeviceClass.DEVICE_CLASS_MOBILE)
        .setDeviceId("phone-1")).getCode()).isZero();
    Peer second = new Peer();
    ConnectRequest.Builder phone2 = request(api.getToken("ida")).setDeviceClass(DeviceClass.DEVICE_CLASS_MOBILE)
        .setDeviceId("phone-2");
    assertThat(second.connect(phone2).getCode()).isZero();
    assertThat(first.next(Frame.BodyCase.DISCONNECT).getDisconnect().getCode()).isEqualTo(31010);
    first.awaitClosed();

    Peer again = new Peer(); // phone-2 once more, say after its network changed
    assertThat(again.connect(request(api.getToken("ida")).setDeviceClass(DeviceClass.DEVICE_CLASS_MOBILE)
        .setDeviceId("phone-2").setReconnect(true)).getCode()).isZero();
    Disconnect replaced = second.next(Frame.BodyCase.DISCONNECT).getDisconnect();
    assertThat(replaced.getCode()).isEqualTo(31010);
    assertThat(replaced.getReason()).contains("same device");
    second.awaitClosed();

    // phone-1, reconnecting with its first login time, does not kick the device that came after it.
    Peer stale = new Peer();
    ConnectAck refused = stale.connect(request(api.getToken("ida")).setDeviceClass(DeviceClass.DEVICE_CLASS_MOBILE)
        .setDeviceId("phone-1").setReconnect(true).setFirstLoginTimeMs(1));
    assertThat(refused.getCode()).isEqualTo(31023);
    stale.awaitClosed();
  }

  // ---- §5 liveness -----------------------------------------------------------------------------

  @Test
  void s5_everyPingIsAnsweredWithItsId() throws Exception {
    startServer();
    Peer p = new Peer().as("jon");
    for (long id : new long[] {1, 77, Long.MAX_VALUE}) {
      p.send(ping(id));
      assertThat(p.next(Frame.BodyCase.PONG).getPong().getId()).isEqualTo(id);
    }
  }

  @Test
  void s5_aSessionSilentForTheIdleLimitIsEndedWith30013() throws Exception {
    FakeClock serverTime = new FakeClock(Instant.now());
    startServer(b -> b.scheduler(serverTime.scheduler()).clock(serverTime.clock())
        .heartbeatInterval(Duration.ofSeconds(10)));
    Peer p = new Peer();
    ConnectAck ack = p.connect(request(api.getToken("kim")));
    assertThat(ack.getHeartbeatIntervalMs()).isEqualTo(10_000);
    Await.until("the idle timer is armed", () -> serverTime.pendingDelays().contains(Duration.ofSeconds(30)));
    serverTime.forward(Duration.ofSeconds(29));
    assertThat(p.handler.isClosed()).as("within three intervals").isFalse();
    serverTime.forward(Duration.ofSeconds(1));
    assertThat(p.next(Frame.BodyCase.DISCONNECT).getDisconnect().getCode()).isEqualTo(30013);
    p.awaitClosed();
  }

  // ---- §3, §6.1 publishing and the limits ---------------------------------------------------------

  @Test
  void s6_1_aPublishIsAcknowledgedWithTheStoredMessageAndAResendIsNotStoredTwice() throws Exception {
    startServer();
    Peer lea = new Peer().as("lea");
    Publish.Builder m = message("max", "{\"content\":\"once\"}");
    PublishAck first = lea.publish(m);
    assertThat(first.getCode()).isZero();
    assertThat(first.getClientMessageId()).isEqualTo(m.getClientMessageId());
    assertThat(first.getMessageId()).isNotEmpty();
    assertThat(first.getOrder()).isPositive();
    PublishAck resent = lea.publish(m);
    assertThat(resent.getMessageId()).isEqualTo(first.getMessageId());
    assertThat(resent.getOrder()).isEqualTo(first.getOrder());
    assertThat(resent.getServerTimeMs()).isEqualTo(first.getServerTimeMs());
    PublishAck later = lea.publish(message("max", "{\"content\":\"later\"}"));
    assertThat(later.getOrder()).as("§6.2: order increases").isGreaterThan(first.getOrder());

    List<DeliveredMessage> inbox = new Peer().as("max").syncAll();
    assertThat(inbox).extracting(DeliveredMessage::getContent)
        .containsExactly("{\"content\":\"once\"}", "{\"content\":\"later\"}");
    assertThat(inbox.get(0).getFromUserId()).isEqualTo("lea");
    assertThat(inbox.get(0).getClientMessageId()).isEqualTo(m.getClientMessageId());
    assertThat(inbox.get(1).getSeq()).isGreaterThan(inbox.get(0).getSeq());
  }

  @Test
  void s3_messagesAtTheLimitsAreAcceptedAndOverThemRefusedWithTheirCodeAndTheirId() throws Exception {
    startServer();
    Peer p = new Peer().as("ned");
    String max = "€".repeat(Limits.MAX_CONTENT_BYTES / 3) + "x".repeat(Limits.MAX_CONTENT_BYTES % 3);
    assertThat(p.publish(message("o".repeat(Limits.MAX_ID_BYTES), max)).getCode()).isZero();
    Publish.Builder big = message("oli", max + "x");
    PublishAck tooBig = p.publish(big);
    assertThat(tooBig.getCode()).isEqualTo(30016);
    assertThat(tooBig.getClientMessageId()).isEqualTo(big.getClientMessageId());
    for (Publish.Builder bad : List.of(message("o".repeat(Limits.MAX_ID_BYTES + 1), "{}"),
        message(" ", "{}"), message("oli", "{}").setObjectName(""),
        message("oli", "{}").setObjectName("n".repeat(Limits.MAX_ID_BYTES + 1)),
        message("oli", "{}").setClientMessageId("c".repeat(Limits.MAX_ID_BYTES + 1)))) {
      PublishAck ack = p.publish(bad);
      assertThat(ack.getCode()).as(bad.toString()).isEqualTo(33003);
      assertThat(ack.getClientMessageId()).as("matchable to its publish").isEqualTo(bad.getClientMessageId());
    }
    PublishAck noId = p.publish(message("oli", "{}").setClientMessageId(""));
    assertThat(noId.getCode()).isEqualTo(33003);
    assertThat(noId.getClientMessageId()).isEmpty();
    p.send(ping(9));
    assertThat(p.next(Frame.BodyCase.PONG).getPong().getId()).as("the session goes on").isEqualTo(9);
  }

  // ---- §6.3 delivery -----------------------------------------------------------------------------

  @Test
  void s6_3_aSyncIsAnsweredInPagesOfAtMost200WithTheCountLeft() throws Exception {
    startServer();
    Peer sender = new Peer().as("pam");
    for (int i = 0; i < 450; i++) {
      assertThat(sender.publish(message("quinn", "{\"n\":" + i + "}")).getCode()).isZero();
    }
    Peer q = new Peer().as("quinn");
    Deliver first = q.sync(0, 500);
    assertThat(first.getMessagesCount()).as("at most 200 whatever the client asks").isEqualTo(200);
    assertThat(first.getLeft()).isEqualTo(250);
    assertThat(first.getOffline()).isTrue();
    Deliver small = q.sync(first.getMessages(199).getSeq(), 10);
    assertThat(small.getMessagesCount()).isEqualTo(10);
    assertThat(small.getLeft()).isEqualTo(240);
    Deliver zero = q.sync(small.getMessages(9).getSeq(), 0);
    assertThat(zero.getMessagesCount()).as("limit 0 means 200").isEqualTo(200);
    assertThat(zero.getLeft()).isEqualTo(40);
    Deliver last = q.sync(zero.getMessages(199).getSeq(), 200);
    assertThat(last.getMessagesCount()).isEqualTo(40);
    assertThat(last.getLeft()).isZero();
    List<DeliveredMessage> all = new ArrayList<>(first.getMessagesList());
    all.addAll(small.getMessagesList());
    all.addAll(zero.getMessagesList());
    all.addAll(last.getMessagesList());
    for (int i = 0; i < 450; i++) {
      assertThat(all.get(i).getContent()).isEqualTo("{\"n\":" + i + "}");
    }
    // Then live: offline false, left 0.
    sender.publish(message("quinn", "{\"n\":\"live\"}"));
    Deliver live = q.next(Frame.BodyCase.DELIVER).getDeliver();
    assertThat(live.getOffline()).isFalse();
    assertThat(live.getLeft()).isZero();
    assertThat(live.getMessages(live.getMessagesCount() - 1).getContent()).isEqualTo("{\"n\":\"live\"}");
  }

  @Test
  void s6_3_pagesOfLargeMessagesAreCutBySizeNeverEmptyAndEveryMessageArrives() throws Exception {
    startServer();
    Peer sender = new Peer().as("ray");
    String big = "x".repeat(120 * 1024);
    for (int i = 0; i < 5; i++) {
      assertThat(sender.publish(message("sue", i + big)).getCode()).isZero();
    }
    Peer sue = new Peer().as("sue");
    List<DeliveredMessage> got = new ArrayList<>();
    long after = 0;
    int pages = 0;
    while (true) {
      Deliver page = sue.sync(after, Limits.SYNC_PAGE_SIZE); // next() checks each frame against the limit
      pages++;
      if (page.getLeft() > 0) {
        assertThat(page.getMessagesCount()).as("never empty while messages are left").isPositive();
      }
      got.addAll(page.getMessagesList());
      assertThat(page.getLeft()).isEqualTo(5 - got.size());
      if (page.getLeft() == 0) {
        break;
      }
      after = page.getMessages(page.getMessagesCount() - 1).getSeq();
    }
    assertThat(pages).as("two 120 KB messages to a 256 KiB frame").isEqualTo(3);
    for (int i = 0; i < 5; i++) {
      assertThat(got.get(i).getContent()).isEqualTo(i + big);
    }
  }

  @Test
  void s6_1_messagesFromTheAppServerHaveNoClientMessageId() throws Exception {
    startServer();
    api.publishPrivate("system", List.of("tom"), "RC:TxtMsg", "{\"content\":\"welcome\"}");
    List<DeliveredMessage> inbox = new Peer().as("tom").syncAll();
    assertThat(inbox).hasSize(1);
    assertThat(inbox.get(0).getFromUserId()).isEqualTo("system");
    assertThat(inbox.get(0).getClientMessageId()).isEmpty();
  }
}
