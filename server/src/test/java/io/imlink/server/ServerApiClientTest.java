package io.imlink.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What {@link ServerApiClient} puts on the wire, seen by a plain HTTP server on loopback. */
class ServerApiClientTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:34:56.789Z");

  private HttpServer http;
  private final List<Headers> headers = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private ServerApiClient client;

  @BeforeEach
  void start() throws Exception {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/", exchange -> {
      try (exchange) {
        headers.add(exchange.getRequestHeaders());
        bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        byte[] ok = "{\"code\":200}".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, ok.length);
        exchange.getResponseBody().write(ok);
      }
    });
    http.start();
    URI base = URI.create("http://127.0.0.1:" + http.getAddress().getPort());
    client = new ServerApiClient(base, "key", "secret", Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(10));
  }

  @AfterEach
  void stop() {
    http.stop(0);
  }

  @Test
  void signsWithATimestampInSecondsAndADecimalNonceAsTheCommercialSdk() throws Exception {
    client.unblock("u1");
    client.unblock("u1");
    assertThat(headers).hasSize(2);
    for (Headers h : headers) {
      assertThat(h.getFirst("Timestamp")).isEqualTo(Long.toString(NOW.getEpochSecond()));
      assertThat(h.getFirst("Nonce")).matches("[0-9]{1,6}\\.[0-9]{16}");
      assertThat(h.getFirst("App-Key")).isEqualTo("key");
      assertThat(h.getFirst("Signature"))
          .isEqualTo(ServerApiClient.signature("secret", h.getFirst("Nonce"), h.getFirst("Timestamp")));
    }
    assertThat(headers.get(0).getFirst("Nonce")).isNotEqualTo(headers.get(1).getFirst("Nonce"));
  }

  @Test
  void expireSendsItsTimeInMilliseconds() throws Exception {
    client.expireTokens(Instant.ofEpochMilli(1_767_225_600_123L), "u1", "u2");
    assertThat(bodies).containsExactly("time=1767225600123&userId=u1&userId=u2");
  }

  @Test
  void theTimestampHooksSendWhatTheyAreGiven() throws Exception {
    client.call("/user/unblock.json").timestamp(NOW.toEpochMilli()).send();
    client.call("/user/unblock.json").timestampSeconds(42).send();
    client.call("/user/unblock.json").timestamp("not-a-number").send();
    assertThat(headers).extracting(h -> h.getFirst("Timestamp"))
        .containsExactly(Long.toString(NOW.toEpochMilli()), "42", "not-a-number");
  }
}
