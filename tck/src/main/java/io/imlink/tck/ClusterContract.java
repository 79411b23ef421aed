package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.TransportOptions;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.ConnectAck;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.DeviceClass;
import io.imlink.protocol.v1.Frame;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster of three server nodes that share one store, each its own cluster member, behaves as one
 * server: users on different nodes exchange messages live and offline, a login on one node kicks
 * the same device class on another (31010) and a reconnecting device is refused there (31023), a
 * block through one node's API drops the user's sessions on another (31009), a revocation through
 * one node refuses the next connect on another (31004), and {@code checkOnline} answers for the
 * whole cluster through any node, and an address's connect flood spread over the nodes is refused
 * as on one (30015).
 *
 * <p>A cluster engine's test extends it and says how to set up node {@code i}: its store (the same
 * data for the three) and its cluster membership (the three joining each other).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
public abstract class ClusterContract extends EngineFixture {
  /** How long a block or revocation through another node may take to hold: the store's staleness and the topic. */
  protected static final Duration BOUND = Duration.ofSeconds(10);

  protected final List<ImServer> nodes = new ArrayList<>();
  protected final List<ServerApiClient> apis = new ArrayList<>();

  /**
   * A builder for node {@code index} (0, 1, 2) of this test's cluster: its store on the data the
   * three share, and its cluster membership; the contract adds the app, a TCP listener and the API.
   */
  protected abstract ImServer.Builder node(int index);

  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }

  /** Starts the three nodes (in order: the first forms the cluster, the others join it). */
  protected void startCluster() throws Exception {
    startCluster(b -> b);
  }

  /** Starts the three nodes, each builder changed by {@code each} first. */
  protected void startCluster(java.util.function.UnaryOperator<ImServer.Builder> each) throws Exception {
    for (int i = 0; i < 3; i++) {
      ImServer n = closeLater(each.apply(node(i)).app(APP_KEY, APP_SECRET).listen(listenUri())
          .httpApi(new InetSocketAddress(Network.loopback(), 0)).build().start());
      nodes.add(n);
      apis.add(new ServerApiClient(n.httpApiUri().orElseThrow(), APP_KEY, APP_SECRET));
    }
    api = apis.get(0);
  }

  protected URI uriOf(int node) {
    return nodes.get(node).listenUris().get(0);
  }

  /** A user of node {@code node}: an engine, its probe and what it received. */
  protected final class User {
    final String id;
    final ImEngine engine;
    final EngineProbe probe;
    final List<Message> received = new CopyOnWriteArrayList<>();
    final List<Integer> lefts = new CopyOnWriteArrayList<>();

    User(String id, int node) {
      this.id = id;
      this.engine = build(engine(uriOf(node)).dataDirectory(tmp.resolve("client-" + id + "-" + UUID.randomUUID())));
      this.probe = EngineProbe.attach(engine);
      engine.addMessageListener((m, left, offline) -> {
        received.add(m);
        lefts.add(left);
      });
    }

    User connect() throws Exception {
      int mark = probe.size();
      assertThat(engine.connect(api.getToken(id), 0)).isZero();
      probe.awaitStatus(ConnectionStatus.CONNECTED, mark);
      return this;
    }

    void send(String to, String text) {
      assertThat(engine.sendMessage(to, "RC:TxtMsg", "{\"content\":\"" + text + "\"}", null)).isZero();
    }

    List<String> texts() {
      return received.stream().map(m -> m.content().replaceAll("^\\{\"content\":\"|\"\\}$", "")).toList();
    }

    void awaitReceived(int n) throws InterruptedException {
      Await.until(id + " received " + n + " (has " + received.size() + ")", () -> received.size() >= n,
          Duration.ofSeconds(60));
    }
  }

  @Test
  void usersOnDifferentNodesTalkLiveAndOfflineInOrder() throws Exception {
    startCluster();
    User alice = new User("alice", 0).connect();
    User bob = new User("bob", 1).connect();
    alice.send("bob", "live 1");
    bob.awaitReceived(1);
    bob.send("alice", "live back");
    alice.awaitReceived(1);
    assertThat(alice.texts()).containsExactly("live back");

    bob.engine.disconnect();
    bob.probe.awaitStatus(ConnectionStatus.SIGN_OUT);
    for (int i = 0; i < 5; i++) {
      alice.send("bob", "offline " + i);
    }
    Await.until("alice's five sends acknowledged", () -> nodes.stream().mapToLong(n -> n.stats().messagesPublished()).sum() == 7);
    User bobOnThird = new User("bob", 2).connect(); // the same user, another installation, on the third node
    bobOnThird.awaitReceived(6);
    assertThat(bobOnThird.texts()).containsExactly("live 1", "offline 0", "offline 1", "offline 2", "offline 3",
        "offline 4");
    assertThat(bobOnThird.lefts.get(bobOnThird.lefts.size() - 1)).as("nothing left after the last").isZero();
    assertThat(bobOnThird.received).extracting(Message::serverMessageId).doesNotHaveDuplicates();
  }

  @Test
  void aLoginOnAnotherNodeKicksTheSameDeviceClassAndAReconnectingDeviceIsRefused() throws Exception {
    startCluster();
    RawPeer first = new RawPeer(0);
    assertThat(first.connect(request("ida", "phone-1")).getCode()).isZero();
    RawPeer second = new RawPeer(1);
    assertThat(second.connect(request("ida", "phone-2")).getCode()).isZero();
    assertThat(first.next(Frame.BodyCase.DISCONNECT).getDisconnect().getCode()).as("kicked across nodes").isEqualTo(31010);
    first.handler.awaitClosed();

    // phone-1 comes back to the third node, reconnecting with its first login time: refused.
    RawPeer stale = new RawPeer(2);
    ConnectAck refused = stale.connect(request("ida", "phone-1").setReconnect(true).setFirstLoginTimeMs(1));
    assertThat(refused.getCode()).isEqualTo(31023);
    assertThat(second.handler.isClosed()).as("the newer phone stays").isFalse();
    Await.until("ida online through every node", () -> online(0, "ida") && online(1, "ida") && online(2, "ida"));
  }

  @Test
  void aBlockThroughOneNodeDropsTheSessionsOnAnother() throws Exception {
    startCluster();
    User kate = new User("kate", 0).connect();
    apis.get(2).block("kate", 5);
    kate.probe.awaitStatus(ConnectionStatus.CONN_USER_BLOCKED);
    assertThat(kate.probe.statusTrace()).containsExactly("CONNECTING(0)", "CONNECTED(0)", "CONN_USER_BLOCKED(31009)");
  }

  @Test
  void aRevocationThroughOneNodeRefusesTheNextConnectOnAnother() throws Exception {
    startCluster();
    String token = apis.get(0).getToken("liam");
    apis.get(1).expireTokens(Instant.now().plusSeconds(1), "liam"); // every token issued until a second from now
    long deadline = System.nanoTime() + BOUND.toNanos();
    int code;
    do {
      RawPeer p = new RawPeer(0);
      code = p.connect(request(token, "phone", true)).getCode();
      p.channel.close();
    } while (code == 0 && System.nanoTime() < deadline);
    assertThat(code).as("the revoked token through node 0").isEqualTo(31004);
  }

  @Test
  void checkOnlineAnswersForTheWholeClusterThroughAnyNode() throws Exception {
    startCluster();
    assertThat(online(2, "mia")).isFalse();
    User mia = new User("mia", 1).connect();
    for (int n = 0; n < 3; n++) {
      assertThat(online(n, "mia")).as("through node %d", n).isTrue();
    }
    mia.engine.disconnect();
    Await.until("offline through every node", () -> !online(0, "mia") && !online(1, "mia") && !online(2, "mia"));
  }

  /**
   * An address spreading a connect flood over the nodes is refused as if it used one: its burst
   * spent on nodes 0 and 1, node 2 refuses it with 30015 and a retry-after hint well before node 2's
   * own bucket would run dry (it admits at most the attempts that arrive before the shared answer).
   */
  @Test
  void aConnectFloodSpreadOverTheNodesIsRefusedAsOnOne() throws Exception {
    int burst = 10;
    // No refill worth the name during the test: one attempt per 1,000 s.
    startCluster(b -> b.connectRateLimit(0.001, burst).oneSessionPerDeviceClass(false));
    String token = api.getToken("flood");
    for (int i = 0; i < burst; i++) {
      RawPeer p = new RawPeer(i % 2);
      assertThat(p.connect(request(token, "device-" + i, true)).getCode()).as("attempt %d, on node %d", i, i % 2).isZero();
      p.channel.close();
    }
    int admittedOnTheThird = 0;
    ConnectAck refused = null;
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (refused == null && System.nanoTime() < deadline) {
      RawPeer p = new RawPeer(2);
      ConnectAck ack = p.connect(request(token, "late-" + admittedOnTheThird, true));
      p.channel.close();
      if (ack.getCode() == 0) {
        admittedOnTheThird++;
      } else {
        refused = ack;
      }
    }
    assertThat(refused).as("node 2 refuses the flood").isNotNull();
    assertThat(refused.getCode()).isEqualTo(30015);
    assertThat(refused.getRetryAfterMs()).as("the hint: a token comes in 1,000 s").isGreaterThan(900_000);
    assertThat(admittedOnTheThird).as("attempts node 2 let through before it knew (its own burst is %d)", burst)
        .isLessThanOrEqualTo(2);
  }

  private boolean online(int node, String user) {
    try {
      return apis.get(node).checkOnline(user);
    } catch (Exception e) {
      throw new AssertionError("checkOnline through node " + node + " failed", e);
    }
  }

  private ConnectRequest.Builder request(String user, String device) throws Exception {
    return request(api.getToken(user), device, true);
  }

  private static ConnectRequest.Builder request(String token, String device, boolean mobile) {
    return ConnectRequest.newBuilder().setProtocolVersion(Frames.PROTOCOL_VERSION).setAppKey(APP_KEY).setToken(token)
        .setDeviceId(device).setDeviceClass(mobile ? DeviceClass.DEVICE_CLASS_MOBILE : DeviceClass.DEVICE_CLASS_DESKTOP)
        .setSdkVersion("cluster-contract/1");
  }

  /** A connection to one node, speaking frames by hand. */
  protected final class RawPeer {
    final RecordingFrameHandler handler = new RecordingFrameHandler();
    final FrameChannel channel;

    RawPeer(int node) throws Exception {
      Connector connector = closeLater(transport().newConnector(TransportOptions.defaults()));
      channel = connector.connect(uriOf(node), handler).get(10, TimeUnit.SECONDS);
    }

    ConnectAck connect(ConnectRequest.Builder request) throws Exception {
      channel.send(Frames.encode(Frame.newBuilder().setConnectRequest(request).build()));
      return next(Frame.BodyCase.CONNECT_ACK).getConnectAck();
    }

    Frame next(Frame.BodyCase body) throws Exception {
      while (true) {
        Frame f = Frames.decode(handler.nextFrame());
        if (f.getBodyCase() == body) {
          return f;
        }
      }
    }
  }
}
