package io.imlink.tck;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.ServiceProviders;
import io.imlink.api.spi.TransportOptions;
import io.imlink.api.spi.TransportProvider;
import io.imlink.api.tls.ServerTls;
import io.imlink.server.ImServer;
import io.imlink.server.ServerApiClient;
import io.imlink.tck.EngineProbe.Kind;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the engine suites share: a real {@link ImServer} on loopback over the transport under test,
 * tokens from its signed HTTP API as an app backend gets them, engines built with {@link
 * ImEngine#builder}, and everything closed after each test. With {@link #tls()} on, all of it runs
 * over TLS: the server presents a certificate from PEM files ({@link ImServer.Builder#tls}), its
 * HTTP API is called over https where it serves https, and engines trust the test CA ({@link
 * ImEngine.Builder#tls}) with host names verified.
 */
@ExtendWith(SharedTls.class)
public abstract class EngineFixture {
  protected static final String APP_KEY = "tck-app";
  protected static final String APP_SECRET = "tck-app-secret-0123";
  protected static final String OTHER_APP_KEY = "tck-other-app";
  protected static final String OTHER_APP_SECRET = "tck-other-secret-0123";

  /** Where the server listens: loopback, port 0, e.g. {@code tcp://127.0.0.1:0}. */
  protected abstract URI listenUri();

  /** Options with the transport's own properties. */
  protected TransportOptions.Builder baseOptions() {
    return TransportOptions.builder();
  }

  /**
   * Whether the suite runs over TLS; {@link #listenUri()} then names the transport's TLS scheme
   * ({@code tcps}, {@code wss}, {@code grpcs}). Default: off.
   */
  protected boolean tls() {
    return false;
  }

  /** The run's test certificates, when {@link #tls()} is on (set before each test by {@link SharedTls}). */
  java.util.function.Function<TestTls.Options, TestTls> certificates;

  /** The run's certificates made as {@code options} say (shared by the run), when {@link #tls()} is on. */
  protected TestTls certificates(TestTls.Options options) {
    if (certificates == null) {
      throw new IllegalStateException("certificates are made for suites whose tls() is on");
    }
    return certificates.apply(options);
  }

  /** The certificates this suite's server presents, when {@link #tls()} is on. */
  protected TestTls testTls() {
    return certificates(TestTls.Options.defaults());
  }

  @TempDir protected Path tmp;
  protected ImServer server;
  protected ServerApiClient api;
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    closeEverythingNow();
  }

  /** Closes what {@link #closeLater} registered, last first, now. */
  protected void closeEverythingNow() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    cleanup.clear();
  }

  /** Registers something to close after the test (engines, servers, proxies), last first. */
  protected <T extends AutoCloseable> T closeLater(T c) {
    cleanup.add(c);
    return c;
  }

  /** Starts the reference server with two apps, the HTTP API, and the test's customisations. */
  protected ImServer startServer(Consumer<ImServer.Builder> customize) throws Exception {
    ImServer.Builder b = serverBuilder()
        .app(APP_KEY, APP_SECRET)
        .app(OTHER_APP_KEY, OTHER_APP_SECRET)
        .listen(listenUri())
        .httpApi(new InetSocketAddress(Network.loopback(), 0));
    customize.accept(b);
    server = closeLater(b.build().start());
    api = apiClient(APP_KEY, APP_SECRET, Clock.systemUTC());
    return server;
  }

  /** A server builder with the suite's transport options and, with {@link #tls()} on, its certificate. */
  protected ImServer.Builder serverBuilder() {
    ImServer.Builder b = ImServer.builder().transportOptions(baseOptions().build());
    if (tls()) {
      try {
        b.tls(ServerTls.fromPem(testTls().certificatePem(), testTls().privateKeyPem()));
      } catch (Exception e) {
        throw new IllegalStateException("the test certificate is unusable", e);
      }
    }
    return b;
  }

  /** A client of the running server's signed HTTP API for {@code appKey}, signing with {@code clock}. */
  protected ServerApiClient apiClient(String appKey, String appSecret, Clock clock) {
    URI base = server.httpApiUri().orElseThrow();
    return new ServerApiClient(base, appKey, appSecret, clock, Duration.ofSeconds(10),
        base.getScheme().equals("https") ? testTls().clientTls().sslContext() : null);
  }

  protected ImServer startServer() throws Exception {
    return startServer(b -> {});
  }

  /** The URI clients use to reach the server. */
  protected URI serverUri() {
    return server.listenUris().get(0);
  }

  /** A fault proxy in front of the server, closed after the test; clients reach it through {@link #serverUriAt}. */
  protected FaultProxy proxyToServer() {
    return closeLater(FaultProxy.start(new InetSocketAddress(Network.loopback(), serverUri().getPort())));
  }

  /** The server's URI with another address (a proxy, a dead port). */
  protected URI serverUriAt(InetSocketAddress address) {
    return Network.withAddress(serverUri(), address);
  }

  /** An engine builder for {@link #APP_KEY} connecting to {@code servers}, storing under the test's directory. */
  protected ImEngine.Builder engine(URI... servers) {
    return engineOf(APP_KEY, servers);
  }

  /** An engine builder for {@code appKey}, as {@link #engine}. */
  protected ImEngine.Builder engineOf(String appKey, URI... servers) {
    ImEngine.Builder b = ImEngine.builder(appKey)
        .servers(List.of(servers))
        .dataDirectory(tmp.resolve("client"))
        .transportOptions(baseOptions().connectTimeout(Duration.ofSeconds(2)).build());
    return tls() ? b.tls(testTls().clientTls()) : b;
  }

  /** Builds and registers for closing. */
  protected ImEngine build(ImEngine.Builder b) {
    return closeLater(b.build());
  }

  /** Engine options driven by {@code time}: its clock and its scheduler. */
  protected static ImEngine.Builder withTime(ImEngine.Builder b, FakeClock time) {
    return b.clock(time.clock()).scheduler(time.scheduler());
  }

  protected static boolean is(EngineProbe.Event e, ConnectionStatus s) {
    return e.kind() == Kind.STATUS && e.status() == s;
  }


  /** The transport provider serving {@link #listenUri()}'s scheme. */
  protected TransportProvider transport() {
    String scheme = listenUri().getScheme();
    return ServiceProviders.load(TransportProvider.class, getClass().getClassLoader(), TransportProvider::isAvailable,
            TransportProvider::priority).stream()
        .filter(p -> p.schemes().contains(scheme))
        .findFirst()
        .orElseThrow();
  }

  /** A raw frame channel to the server, for speaking the protocol by hand. */
  protected FrameChannel rawConnect(RecordingFrameHandler handler) throws Exception {
    TransportOptions.Builder options = baseOptions();
    if (tls()) {
      options.tls(testTls().clientTls());
    }
    var connector = closeLater(transport().newConnector(options.build()));
    return connector.connect(serverUri(), handler).get(10, TimeUnit.SECONDS);
  }
}
