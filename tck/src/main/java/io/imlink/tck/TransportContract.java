package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.spi.Acceptor;
import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameTooLargeException;
import io.imlink.api.spi.RemoteCloseException;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.TransportProvider;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contract every {@link TransportProvider} must meet, as a JUnit 5 suite: a transport's tests
 * extend this class and say how to make its provider and its listen URI (grpc-java's {@code
 * AbstractTransportTest} style). Everything runs over real loopback sockets.
 *
 * <p>Each test gets a fresh acceptor whose handler echoes every frame, and a fresh connector; both
 * are closed after the test.
 *
 * <p>Over TLS ({@link #tls()}): the same suite, with the acceptor presenting a {@link TestTls}
 * certificate for {@code localhost}/{@code 127.0.0.1} and every connector trusting only it (through
 * a {@link io.imlink.api.tls.ClientTls}, as an app configures the engine), plus
 * the TLS tests (an untrusted certificate, a host name the certificate does not name, plain and TLS
 * peers crossed), which a plain suite skips.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(SharedTls.class)
public abstract class TransportContract {
  /** The largest frame the suite's default options allow. */
  protected static final int MAX = 64 * 1024;

  /** The provider under test (a new instance is fine). */
  protected abstract TransportProvider provider();

  /** Where to listen: loopback, port 0, e.g. {@code tcp://127.0.0.1:0}. */
  protected abstract URI listenUri();

  /** Options with the transport's own properties; the suite sets frame size and timeouts on top. */
  protected TransportOptions.Builder baseOptions() {
    return TransportOptions.builder();
  }

  /** The client URI reaching {@code address} for a server bound at {@code acceptor}. */
  protected URI uriAt(Acceptor acceptor, InetSocketAddress address) {
    return Network.withAddress(acceptor.uri(), address);
  }

  /**
   * Whether {@link FrameChannel#close(int, String)} on a server channel tells the client the code
   * and reason by the transport's own means (the client's cause is then a {@link
   * RemoteCloseException}). True by default; a transport without such means (TCP) returns false,
   * and the suite then expects an orderly close (a null cause) instead.
   */
  protected boolean carriesCloseCodes() {
    return true;
  }

  /**
   * Whether {@link FrameChannel#close(int, String)} on a client channel tells the server the code
   * and reason. By default as {@link #carriesCloseCodes()}; a transport that carries them only from
   * the server (gRPC: a status ends a stream only from the server) returns false.
   */
  protected boolean carriesClientCloseCodes() {
    return carriesCloseCodes();
  }

  /**
   * The handshake timeout of {@link #aConnectionThatStallsInItsHandshakeIsClosedWithinTheHandshakeTimeout}:
   * short, because that test waits for it to pass.
   */
  protected static final Duration SHORT_HANDSHAKE_TIMEOUT = Duration.ofMillis(300);

  /**
   * What a peer sends before it stalls, one connection each, in the handshake deadline test. By
   * default nothing: a socket that connects and stays silent. A transport with a handshake adds
   * half-done ones of its own (half a WebSocket upgrade, half an HTTP/2 preface…). A TLS suite
   * sends TLS stalls instead (nothing, and half a ClientHello record): a raw socket cannot get
   * through TLS to the transport's own handshake.
   */
  protected List<byte[]> handshakeStalls() {
    return List.of(new byte[0]);
  }

  /**
   * Whether the transport hands a connection to the {@link io.imlink.api.spi.AcceptHandler} at its
   * TCP accept, having no handshake of its own (TCP): the application's timers then cover a silent
   * peer, and the handshake timeout has nothing to time. False by default.
   */
  protected boolean handsOverAtAccept() {
    return false;
  }

  /**
   * Whether the suite runs over TLS: {@link #listenUri()} then has the transport's secure scheme
   * ({@code tcps}, {@code wss}, {@code grpcs}), acceptors get the server context of a {@link
   * TestTls} and connectors its client context (see {@link #serverOptions} and {@link
   * #clientOptions}). False by default.
   */
  protected boolean tls() {
    return false;
  }

  /**
   * What a peer sends before it stalls in the TLS handshake, one connection each, for the
   * handshake deadline test of a TLS suite (instead of {@link #handshakeStalls()}): nothing, and a
   * TLS record header announcing a ClientHello whose body never comes.
   */
  private static final List<byte[]> TLS_HANDSHAKE_STALLS =
      List.of(new byte[0], new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03});

  protected TransportProvider provider;
  protected Acceptor acceptor;
  protected Connector connector;
  /** Server-side handlers, in accept order. */
  protected final List<RecordingFrameHandler> serverHandlers = new java.util.concurrent.CopyOnWriteArrayList<>();
  final List<AutoCloseable> cleanup = new ArrayList<>();
  private Set<Thread> threadsBefore;
  /** Another CA's certificate for the same names: a client trusting it does not trust the suite's server. */
  private static final TestTls.Options ANOTHER_CA = TestTls.Options.defaults().withNames("dns:localhost,ip:127.0.0.1,dns:another-ca.example");
  TestTls trusted;
  TestTls other;

  @BeforeEach
  void startTransport(SharedTls.Certificates certificates) throws Exception {
    if (tls()) {
      // made before the threads are counted: keytool's process reaper thread outlives it
      trusted = certificates.defaults();
      other = certificates.get(ANOTHER_CA);
    }
    threadsBefore = liveThreads();
    provider = provider();
    acceptor = bind(serverOptions(MAX));
    connector = provider.newConnector(clientOptions(MAX));
  }

  @AfterEach
  void stopTransport() throws Exception {
    for (AutoCloseable c : cleanup) {
      c.close();
    }
    if (connector != null) {
      connector.close();
    }
    if (acceptor != null) {
      acceptor.close();
    }
  }

  /** Suite options with the given frame limit and a 5 s connect timeout, without TLS. */
  protected TransportOptions options(int maxFrameSize) {
    return baseOptions().maxFrameSize(maxFrameSize).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** {@link #options(int)} for an acceptor: with the certificate's server context in a TLS suite. */
  protected TransportOptions serverOptions(int maxFrameSize) {
    return withServerTls(options(maxFrameSize).toBuilder()).build();
  }

  /** {@link #options(int)} for a connector: with the client context trusting the certificate in a TLS suite. */
  protected TransportOptions clientOptions(int maxFrameSize) {
    return withClientTls(options(maxFrameSize).toBuilder()).build();
  }

  /** {@code b} with the suite certificate's server context in a TLS suite, else {@code b}. */
  protected TransportOptions.Builder withServerTls(TransportOptions.Builder b) {
    return tls() ? b.tls(trusted.serverTls()) : b;
  }

  /**
   * {@code b} with a client context that trusts the suite certificate in a TLS suite, else {@code
   * b}: a {@link io.imlink.api.tls.ClientTls}'s, as an app gives the engine.
   */
  protected TransportOptions.Builder withClientTls(TransportOptions.Builder b) {
    return tls() ? b.tls(trusted.clientTls()) : b;
  }

  /** Binds an echoing acceptor; its handlers are appended to {@link #serverHandlers}. */
  protected Acceptor bind(TransportOptions options) throws IOException {
    return provider.bind(listenUri(), options, channel -> {
      RecordingFrameHandler h = RecordingFrameHandler.echo();
      serverHandlers.add(h);
      return h;
    });
  }

  /** Connects {@link #connector} to {@link #acceptor}. */
  protected FrameChannel connect(RecordingFrameHandler handler) throws Exception {
    return connect(connector, acceptor.uri(), handler);
  }

  protected static FrameChannel connect(Connector c, URI uri, RecordingFrameHandler handler) throws Exception {
    return c.connect(uri, handler).get(10, TimeUnit.SECONDS);
  }

  /** Waits until the acceptor has handed over {@code n} channels. */
  protected RecordingFrameHandler serverHandler(int index) throws InterruptedException {
    long deadline = System.nanoTime() + RecordingFrameHandler.WAIT.toNanos();
    while (serverHandlers.size() <= index) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the server did not accept connection #" + index);
      }
      Thread.sleep(5);
    }
    return serverHandlers.get(index);
  }

  private static byte[] randomFrame(SplittableRandom random, int size) {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return b;
  }

  @Test
  void framesTravelBothWaysByteExact() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(client);
    SplittableRandom random = new SplittableRandom(1);
    int[] sizes = {0, 1, 2, 127, 128, 129, 255, 16383, 16384, 16385, 65535, MAX};
    List<byte[]> sent = new ArrayList<>();
    for (int size : sizes) {
      byte[] frame = randomFrame(random, size);
      sent.add(frame);
      assertThat(channel.send(frame)).isTrue();
    }
    for (byte[] frame : sent) {
      assertThat(client.nextFrame()).as("echo of a %d-byte frame", frame.length).isEqualTo(frame);
    }
    // The server side saw them byte-exact too, and can send first.
    RecordingFrameHandler server = serverHandler(0);
    for (byte[] frame : sent) {
      assertThat(server.nextFrame()).isEqualTo(frame);
    }
    byte[] push = randomFrame(random, 1000);
    server.channel().send(push);
    assertThat(client.nextFrame()).isEqualTo(push);
    assertThat(channel.remoteAddress()).isNotNull();
    assertThat(channel.localAddress()).isNotNull();
    assertThat(channel.maxFrameSize()).isEqualTo(MAX);
    assertThat(channel.isOpen()).isTrue();
  }

  @Test
  void orderIsKeptUnderConcurrentSenders() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(client);
    int senders = 4;
    int perSender = 2000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < senders; s++) {
      int sender = s;
      Thread t = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perSender; i++) {
          channel.send(ByteBuffer.allocate(8 + (i % 50)).putInt(sender).putInt(i).array());
        }
      });
      t.start();
      threads.add(t);
    }
    start.countDown();
    for (Thread t : threads) {
      t.join();
    }
    int[] next = new int[senders];
    for (int n = 0; n < senders * perSender; n++) {
      ByteBuffer b = ByteBuffer.wrap(client.nextFrame());
      int sender = b.getInt();
      int seq = b.getInt();
      assertThat(seq).as("sender %d out of order", sender).isEqualTo(next[sender]);
      next[sender]++;
    }
    assertThat(next).containsOnly(perSender);
  }

  @Test
  void aFrameAboveTheLimitIsRefusedAndClosesOnlyThatConnection() throws Exception {
    // This client may send up to 4 * MAX; the server accepts MAX.
    Connector big = provider.newConnector(clientOptions(4 * MAX));
    cleanup.add(big);
    RecordingFrameHandler bystander = new RecordingFrameHandler();
    FrameChannel other = connect(connector, acceptor.uri(), bystander);
    other.send(new byte[] {0});
    bystander.nextFrame(); // the server has accepted it: its handler is serverHandler(0)
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(big, acceptor.uri(), client);

    byte[] atLimit = new byte[MAX];
    atLimit[MAX - 1] = 7;
    channel.send(atLimit);
    assertThat(client.nextFrame()).isEqualTo(atLimit);

    channel.send(new byte[MAX + 1]);
    client.awaitClosed();
    assertThat(client.closeCount()).isEqualTo(1);
    RecordingFrameHandler refusing = serverHandler(1);
    assertThat(refusing.awaitClosed()).isInstanceOf(FrameTooLargeException.class);

    // The server and its other connections are unharmed.
    other.send(new byte[] {1, 2, 3});
    assertThat(bystander.nextFrame()).containsExactly(1, 2, 3);
    RecordingFrameHandler late = new RecordingFrameHandler();
    connect(late).send(new byte[] {4});
    assertThat(late.nextFrame()).containsExactly(4);
  }

  @Test
  void sendingAFrameAboveTheOwnLimitThrows() throws Exception {
    FrameChannel channel = connect(new RecordingFrameHandler());
    assertThatThrownBy(() -> channel.send(new byte[MAX + 1]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("exceeds the maximum frame size of " + MAX);
    assertThat(channel.isOpen()).isTrue();
  }

  @Test
  void aClientCloseIsObservedExactlyOnceOnEachSide() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(client);
    channel.send(new byte[] {1});
    client.nextFrame();
    RecordingFrameHandler server = serverHandler(0);
    channel.close();
    channel.close();
    assertThat(client.awaitClosed()).isNull();
    assertThat(server.awaitClosed()).isNull();
    assertThat(channel.isOpen()).isFalse();
    // Closing everything must not report those channels again.
    connector.close();
    acceptor.close();
    assertThat(client.closeCount()).isEqualTo(1);
    assertThat(server.closeCount()).isEqualTo(1);
  }

  @Test
  void aServerCloseIsObservedExactlyOnceOnEachSide() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(client);
    channel.send(new byte[] {1});
    client.nextFrame();
    RecordingFrameHandler server = serverHandler(0);
    server.channel().close();
    assertThat(server.awaitClosed()).isNull();
    assertThat(client.awaitClosed()).isNull();
    connector.close();
    acceptor.close();
    assertThat(client.closeCount()).isEqualTo(1);
    assertThat(server.closeCount()).isEqualTo(1);
    assertThat(client.framesAfterClose()).isZero();
  }

  @Test
  void framesSentBeforeCloseAreDelivered() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(client);
    channel.send(new byte[] {0});
    client.nextFrame();
    RecordingFrameHandler server = serverHandler(0);
    server.nextFrame();
    for (int i = 1; i <= 100; i++) {
      channel.send(new byte[] {(byte) i});
    }
    channel.close();
    for (int i = 1; i <= 100; i++) {
      assertThat(server.nextFrame()).containsExactly((byte) i);
    }
    server.awaitClosed();
  }

  @Test
  void aServerCloseWithACodeComesAfterTheFramesSentBeforeItAndCarriesTheCode() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(client);
    channel.send(new byte[] {0});
    client.nextFrame();
    RecordingFrameHandler server = serverHandler(0);
    closesInOrderWithTheCode(server.channel(), server, client, 31004, "token refused", carriesCloseCodes());
  }

  /**
   * Sends 100 frames on {@code closing}, closes it with {@code code} (a second close does not
   * count), and checks that the peer gets the frames, then the code where the transport carries
   * it that way, and that each side sees its close once.
   */
  private void closesInOrderWithTheCode(FrameChannel closing, RecordingFrameHandler closer, RecordingFrameHandler peer,
      int code, String reason, boolean carried) throws Exception {
    for (int i = 1; i <= 100; i++) {
      closing.send(new byte[] {(byte) i});
    }
    closing.close(code, reason);
    closing.close(31010, "a second close does not count");
    closing.close();
    for (int i = 1; i <= 100; i++) {
      assertThat(peer.nextFrame()).containsExactly((byte) i);
    }
    Throwable cause = peer.awaitClosed();
    if (carried) {
      assertThat(cause).isInstanceOf(RemoteCloseException.class).hasMessage(reason);
      assertThat(((RemoteCloseException) cause).code()).isEqualTo(code);
    } else {
      assertThat(cause).as("a transport without close codes (this way) closes in order").isNull();
    }
    assertThat(closer.awaitClosed()).as("the closing side's own cause").isNull();
    assertThat(closing.isOpen()).isFalse();
    assertThat(closing.send(new byte[] {1})).isFalse();
    connector.close();
    acceptor.close();
    assertThat(peer.closeCount()).isEqualTo(1);
    assertThat(closer.closeCount()).isEqualTo(1);
    assertThat(peer.framesAfterClose()).isZero();
  }

  @Test
  void aServerCloseWithACodeOfAnyFormCarriesIt() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    connect(client).send(new byte[] {0});
    client.nextFrame();
    RecordingFrameHandler server = serverHandler(0);
    server.channel().close(12345, "not an imlink code");
    Throwable cause = client.awaitClosed();
    if (carriesCloseCodes()) {
      assertThat(cause).isInstanceOf(RemoteCloseException.class).hasMessage("not an imlink code");
      assertThat(((RemoteCloseException) cause).code()).isEqualTo(12345);
    } else {
      assertThat(cause).isNull();
    }
    assertThat(server.awaitClosed()).isNull();
  }

  @Test
  void aCloseWithCode0IsAnOrderlyCloseOnBothSides() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(client);
    channel.send(new byte[] {0});
    client.nextFrame();
    RecordingFrameHandler server = serverHandler(0);
    server.channel().send(new byte[] {1});
    server.channel().close(0, "signed out");
    assertThat(client.nextFrame()).containsExactly(1);
    assertThat(client.awaitClosed()).isNull();
    assertThat(server.awaitClosed()).isNull();

    RecordingFrameHandler client2 = new RecordingFrameHandler();
    FrameChannel channel2 = connect(client2);
    channel2.send(new byte[] {2});
    client2.nextFrame();
    RecordingFrameHandler server2 = serverHandler(1);
    server2.nextFrame();
    channel2.send(new byte[] {3});
    channel2.close(0, "bye");
    assertThat(server2.nextFrame()).containsExactly(3);
    assertThat(server2.awaitClosed()).isNull();
    assertThat(client2.awaitClosed()).isNull();
    assertThat(channel.isOpen()).isFalse();
    assertThat(channel2.isOpen()).isFalse();
  }

  @Test
  void aClientCloseWithACodeClosesInOrderAndIsObservedOnceOnEachSide() throws Exception {
    // A server that does not echo: echoes of the frames sent before the close would meet a closed
    // connection (a broken pipe at the server), which is not what this test is about.
    List<RecordingFrameHandler> quiet = new java.util.concurrent.CopyOnWriteArrayList<>();
    Acceptor silent = provider.bind(listenUri(), serverOptions(MAX), ch -> {
      RecordingFrameHandler h = new RecordingFrameHandler();
      quiet.add(h);
      return h;
    });
    cleanup.add(silent);
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(connector, silent.uri(), client);
    channel.send(new byte[] {0});
    Await.until("the server accepted the connection", () -> quiet.size() == 1);
    RecordingFrameHandler server = quiet.get(0);
    server.nextFrame();
    closesInOrderWithTheCode(channel, client, server, 31010, "kicked by another device", carriesClientCloseCodes());
  }

  @Test
  void sendingOnAClosedChannelReturnsFalse() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(client);
    channel.close();
    client.awaitClosed();
    assertThat(channel.send(new byte[] {1})).isFalse();
    assertThat(channel.isOpen()).isFalse();
  }

  @Test
  void connectingWhereNothingListensFailsFast() throws Exception {
    URI nowhere = uriAt(acceptor, new InetSocketAddress(Network.loopback(), Network.freePort()));
    RecordingFrameHandler handler = new RecordingFrameHandler();
    long start = System.nanoTime();
    CompletableFuture<FrameChannel> f = connector.connect(nowhere, handler);
    assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(ConnectException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(handler.closeCount()).isZero();
  }

  @Test
  void theConnectTimeoutIsHonoured() throws Exception {
    try (Network.Blackhole hole = new Network.Blackhole()) {
      Connector c = provider.newConnector(
          withClientTls(baseOptions().maxFrameSize(MAX).connectTimeout(Duration.ofMillis(300))).build());
      cleanup.add(c);
      RecordingFrameHandler handler = new RecordingFrameHandler();
      long start = System.nanoTime();
      CompletableFuture<FrameChannel> f =
          c.connect(uriAt(acceptor, new InetSocketAddress(Network.loopback(), hole.port())), handler);
      assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(SocketTimeoutException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(250)).isLessThan(Duration.ofSeconds(5));
      assertThat(handler.closeCount()).isZero();
    }
  }

  @Test
  void cancellingAConnectAbandonsIt() throws Exception {
    try (Network.Blackhole hole = new Network.Blackhole()) {
      RecordingFrameHandler handler = new RecordingFrameHandler();
      CompletableFuture<FrameChannel> f =
          connector.connect(uriAt(acceptor, new InetSocketAddress(Network.loopback(), hole.port())), handler);
      assertThat(f.cancel(true)).isTrue();
      connector.close();
      assertThat(handler.closeCount()).isZero();
      assertThat(f).isCancelled();
    }
  }

  @Test
  void stoppingTheServerClosesEveryConnection() throws Exception {
    List<RecordingFrameHandler> clients = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      RecordingFrameHandler h = new RecordingFrameHandler();
      connect(h).send(new byte[] {(byte) i});
      h.nextFrame();
      clients.add(h);
    }
    acceptor.close();
    for (RecordingFrameHandler h : clients) {
      h.awaitClosed();
      assertThat(h.closeCount()).isEqualTo(1);
    }
    for (RecordingFrameHandler h : serverHandlers) {
      assertThat(h.isClosed()).isTrue();
      assertThat(h.closeCount()).isEqualTo(1);
    }
    RecordingFrameHandler late = new RecordingFrameHandler();
    assertThatThrownBy(() -> connector.connect(acceptor.uri(), late).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
  }

  @Test
  void twoHundredConcurrentConnections() throws Exception {
    int n = 200;
    // All connects are started at once and may take 30 s in all (their handshakes queue for the
    // same few threads: 200 TLS handshakes cost seconds of CPU on a small machine), so each gets 30 s.
    Connector many = provider.newConnector(withClientTls(options(MAX).toBuilder().connectTimeout(Duration.ofSeconds(30))).build());
    cleanup.add(many);
    List<CompletableFuture<FrameChannel>> futures = new ArrayList<>();
    List<RecordingFrameHandler> handlers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      RecordingFrameHandler h = new RecordingFrameHandler();
      handlers.add(h);
      futures.add(many.connect(acceptor.uri(), h));
    }
    for (int i = 0; i < n; i++) {
      futures.get(i).get(30, TimeUnit.SECONDS).send(ByteBuffer.allocate(4).putInt(i).array());
    }
    for (int i = 0; i < n; i++) {
      assertThat(ByteBuffer.wrap(handlers.get(i).nextFrame()).getInt()).isEqualTo(i);
    }
    assertThat(serverHandlers).hasSize(n);
    for (CompletableFuture<FrameChannel> f : futures) {
      f.get().close();
    }
    for (RecordingFrameHandler h : handlers) {
      h.awaitClosed();
      assertThat(h.closeCount()).isEqualTo(1);
    }
  }

  @Test
  void anAbruptResetIsDetectedOnBothSides() throws Exception {
    try (FaultProxy proxy = FaultProxy.start(acceptor.localAddress())) {
      RecordingFrameHandler client = new RecordingFrameHandler();
      FrameChannel channel = connect(connector, uriAt(acceptor, proxy.address()), client);
      channel.send(new byte[] {9});
      assertThat(client.nextFrame()).containsExactly(9);
      RecordingFrameHandler server = serverHandler(0);
      proxy.reset();
      assertThat(client.awaitClosed()).as("client sees the reset as an error").isNotNull();
      assertThat(server.awaitClosed()).as("server sees the reset as an error").isNotNull();
      assertThat(client.closeCount()).isEqualTo(1);
      assertThat(server.closeCount()).isEqualTo(1);
      assertThat(channel.send(new byte[] {1})).isFalse();
    }
  }

  @Test
  void aHandlerThatThrowsClosesItsChannelWithThatCause() throws Exception {
    IllegalStateException bug = new IllegalStateException("handler bug");
    AtomicReference<FrameChannel> seen = new AtomicReference<>();
    RecordingFrameHandler client = new RecordingFrameHandler((c, f) -> {
      seen.set(c);
      throw bug;
    });
    FrameChannel channel = connect(client);
    channel.send(new byte[] {1});
    assertThat(client.awaitClosed()).isSameAs(bug);
    assertThat(seen.get()).isSameAs(channel);
    assertThat(serverHandler(0).awaitClosed()).isNull();
  }

  @Test
  void badUrisAndClosedConnectorsAreRefusedClearly() {
    assertThatThrownBy(() -> connector.connect(URI.create("nope://127.0.0.1:1"), new RecordingFrameHandler()))
        .isInstanceOf(IllegalArgumentException.class);
    connector.close();
    assertThatThrownBy(() -> connector.connect(acceptor.uri(), new RecordingFrameHandler()))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void theBoundUriCarriesTheRealPort() {
    assertThat(acceptor.uri().getScheme()).isEqualTo(listenUri().getScheme());
    assertThat(acceptor.uri().getPort()).isPositive().isEqualTo(acceptor.localAddress().getPort());
  }

  @Test
  void closingConnectorAndAcceptorLeavesNoThreadBehind() throws Exception {
    RecordingFrameHandler client = new RecordingFrameHandler();
    connect(client).send(new byte[] {1});
    client.nextFrame();
    connector.close();
    acceptor.close();
    Set<Thread> leaked = liveThreads();
    leaked.removeAll(threadsBefore);
    for (Thread t : leaked) {
      t.join(5_000);
    }
    leaked.removeIf(t -> !t.isAlive() || t.getName().startsWith("junit-"));
    assertThat(leaked).as("threads still alive after close").isEmpty();
  }

  /**
   * A peer that connects and never completes the transport's handshake — silent, or stalled half
   * way — must not hold its socket open unseen: the acceptor closes it within the handshake timeout
   * of its accept (a transport that hands connections over at accept hands it over, and the
   * application's handler, here one that closes at once, decides). A connection handed over before
   * is not affected.
   */
  @Test
  void aConnectionThatStallsInItsHandshakeIsClosedWithinTheHandshakeTimeout() throws Exception {
    // Warm the code paths up on the suite's acceptor, so that the short timeout times the peers below,
    // not class loading.
    RecordingFrameHandler warm = new RecordingFrameHandler();
    connect(warm).send(new byte[] {0});
    warm.nextFrame();

    Set<Integer> stallPorts = ConcurrentHashMap.newKeySet();
    List<FrameChannel> stallsHandedOver = new CopyOnWriteArrayList<>();
    Acceptor timed = provider.bind(listenUri(),
        withServerTls(baseOptions().maxFrameSize(MAX).connectTimeout(Duration.ofSeconds(5))
            .handshakeTimeout(SHORT_HANDSHAKE_TIMEOUT)).build(),
        channel -> {
          if (channel.remoteAddress() instanceof InetSocketAddress peer && stallPorts.contains(peer.getPort())) {
            stallsHandedOver.add(channel);
            channel.close(); // what the application's own timer would do, only sooner
            return new RecordingFrameHandler();
          }
          return RecordingFrameHandler.echo();
        });
    cleanup.add(timed);
    RecordingFrameHandler client = new RecordingFrameHandler();
    FrameChannel channel = connect(connector, timed.uri(), client);
    channel.send(new byte[] {1});
    assertThat(client.nextFrame()).containsExactly(1);

    List<byte[]> stalls = tls() ? TLS_HANDSHAKE_STALLS : handshakeStalls();
    List<Socket> sockets = new ArrayList<>();
    List<Long> connectedAt = new ArrayList<>();
    for (byte[] stall : stalls) {
      Socket s = new Socket();
      cleanup.add(s);
      s.bind(new InetSocketAddress(Network.loopback(), 0));
      stallPorts.add(s.getLocalPort());
      connectedAt.add(System.nanoTime());
      s.connect(new InetSocketAddress(Network.loopback(), timed.localAddress().getPort()), 5_000);
      OutputStream out = s.getOutputStream();
      out.write(stall);
      out.flush();
      sockets.add(s);
    }
    for (int i = 0; i < stalls.size(); i++) {
      Socket s = sockets.get(i);
      assertThat(endsWithin(s, Duration.ofSeconds(5)))
          .as("a peer that stalled after %d handshake bytes is closed by the server within 5 s", stalls.get(i).length)
          .isTrue();
      Duration open = Duration.ofNanos(System.nanoTime() - connectedAt.get(i));
      if (!handsOverAtAccept()) {
        assertThat(open).as("closed by the handshake timeout, not before").isGreaterThanOrEqualTo(SHORT_HANDSHAKE_TIMEOUT);
      }
    }
    if (handsOverAtAccept()) {
      assertThat(stallsHandedOver).as("every connection is handed over at accept").hasSize(stalls.size());
    } else {
      assertThat(stallsHandedOver).as("no stalled handshake is handed over").isEmpty();
    }
    // The handshake timeout has passed for the connection handed over before: it is still served.
    channel.send(new byte[] {2});
    assertThat(client.nextFrame()).containsExactly(2);
    assertThat(client.isClosed()).isFalse();
  }

  /**
   * Whether the peer ends the connection (EOF or reset) within {@code bound}, reading and dropping
   * whatever it sends before.
   */
  protected static boolean endsWithin(Socket socket, Duration bound) throws IOException {
    long deadline = System.nanoTime() + bound.toNanos();
    InputStream in = socket.getInputStream();
    byte[] sink = new byte[4096];
    try {
      while (true) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        socket.setSoTimeout((int) Math.max(1, left));
        if (in.read(sink) < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  /**
   * An exception, even an {@link Error} such as an {@link OutOfMemoryError}, thrown while handling
   * one connection — by the accept handler or by a frame handler — closes that connection only: the
   * acceptor goes on serving the connections it has and accepting new ones.
   */
  @Test
  void anErrorThrownForOneConnectionClosesOnlyThatConnection() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    Acceptor fragile = provider.bind(listenUri(), serverOptions(MAX), channel -> {
      int n = accepted.incrementAndGet();
      if (n == 2) {
        throw new OutOfMemoryError("test: the accept handler fails for connection 2");
      }
      if (n == 3) {
        return new RecordingFrameHandler((c, f) -> {
          throw new OutOfMemoryError("test: the frame handler fails for connection 3");
        });
      }
      return RecordingFrameHandler.echo();
    });
    cleanup.add(fragile);
    RecordingFrameHandler bystander = new RecordingFrameHandler();
    FrameChannel open = connect(connector, fragile.uri(), bystander);
    open.send(new byte[] {1});
    assertThat(bystander.nextFrame()).containsExactly(1);

    RecordingFrameHandler refused = new RecordingFrameHandler();
    CompletableFuture<FrameChannel> second = connector.connect(fragile.uri(), refused);
    try {
      second.get(10, TimeUnit.SECONDS);
      refused.awaitClosed();
    } catch (ExecutionException notOpened) {
      // the transport may fail the connect instead: either way the connection is refused
    }
    assertThat(accepted.get()).isEqualTo(2);

    RecordingFrameHandler failing = new RecordingFrameHandler();
    connect(connector, fragile.uri(), failing).send(new byte[] {2});
    failing.awaitClosed();
    assertThat(failing.closeCount()).isEqualTo(1);

    for (int i = 0; i < 3; i++) {
      RecordingFrameHandler late = new RecordingFrameHandler();
      connect(connector, fragile.uri(), late).send(new byte[] {(byte) (10 + i)});
      assertThat(late.nextFrame()).as("connection %d after the errors", 4 + i).containsExactly(10 + i);
    }
    open.send(new byte[] {3});
    assertThat(bystander.nextFrame()).containsExactly(3);
    assertThat(bystander.isClosed()).isFalse();
  }

  /**
   * An accept that fails because the process has run out of file descriptors (a flood of
   * connections) must not stop the acceptor for good: once descriptors are free again, it accepts
   * and serves new connections. Runs where the test can exhaust the descriptors itself: a Unix JVM
   * whose limit is at most 100 000.
   */
  @Test
  void runningOutOfFileDescriptorsDoesNotStopTheAcceptorForGood() throws Exception {
    long limit = java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    Assumptions.assumeTrue(limit > 0 && limit <= 100_000, "needs a Unix limit of file descriptors the test can exhaust");
    List<FileInputStream> hogs = new ArrayList<>();
    Socket victim = new Socket();
    cleanup.add(victim);
    try {
      try {
        while (hogs.size() < limit) {
          hogs.add(new FileInputStream("/dev/null"));
        }
      } catch (IOException exhausted) {
        // every descriptor is taken
      }
      hogs.remove(hogs.size() - 1).close(); // one for the client's socket: the server's accept has none
      try {
        victim.connect(new InetSocketAddress(Network.loopback(), acceptor.localAddress().getPort()), 2_000);
        endsWithin(victim, Duration.ofSeconds(1)); // the server tries, and fails, to accept it meanwhile
      } catch (IOException refused) {
        // refused or reset: the server has tried
      }
    } finally {
      for (FileInputStream h : hogs) {
        h.close();
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (true) {
      RecordingFrameHandler late = new RecordingFrameHandler();
      try {
        connect(connector, acceptor.uri(), late).send(new byte[] {5});
        assertThat(late.nextFrame()).containsExactly(5);
        break;
      } catch (ExecutionException notYet) {
        assertThat(System.nanoTime()).as("the acceptor serves again within 15 s: %s", notYet.getCause()).isLessThan(deadline);
        Thread.sleep(50); // polls for the acceptor to listen again: an event, not a timer of the test's
      }
    }
  }

  private static Set<Thread> liveThreads() {
    Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
    Set<Thread> live = new HashSet<>();
    for (Thread t : all.keySet()) {
      if (t.isAlive()) {
        live.add(t);
      }
    }
    return live;
  }

}
