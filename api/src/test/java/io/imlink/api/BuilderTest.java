package io.imlink.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.spi.TransportOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Builder validation, run where no engine implementation is on the class path. */
class BuilderTest {

  @Test
  void appKeyIsChecked() {
    assertThatThrownBy(() -> ImEngine.builder(null)).isInstanceOf(NullPointerException.class).hasMessage("appKey");
    assertThatThrownBy(() -> ImEngine.builder("  "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("appKey must not be blank");
    assertThatThrownBy(() -> ImEngine.builder("a b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("appKey must not contain whitespace: 'a b'");
  }

  @Test
  void serverUrisAreChecked() {
    ImEngine.Builder b = ImEngine.builder("app");
    assertThatThrownBy(() -> b.server(URI.create("/im/path")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("server URI must be absolute with a scheme, host and port")
        .hasMessageContaining("got '/im/path'");
    assertThatThrownBy(() -> b.server(URI.create("tcp://127.0.0.1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 'tcp://127.0.0.1'");
    assertThatThrownBy(() -> b.servers(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("servers must name at least one server URI");
    assertThatThrownBy(() -> b.server(null)).isInstanceOf(NullPointerException.class).hasMessage("server URI");
  }

  @Test
  void buildWithoutServerSaysWhatToDo() {
    assertThatThrownBy(() -> ImEngine.builder("app").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("no server configured: call server(URI) or servers(List<URI>) before build()");
  }

  @Test
  void buildWithoutCoreNamesTheArtifact() {
    assertThatThrownBy(() -> ImEngine.builder("app").server(URI.create("tcp://127.0.0.1:8100")).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no imlink engine implementation on the class path: add io.imlink:imlink-core");
  }

  @Test
  void otherSettersRefuseBadValues() {
    ImEngine.Builder b = ImEngine.builder("app");
    assertThatThrownBy(() -> b.storage(" "))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("storage name must not be blank");
    assertThatThrownBy(() -> b.ackTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ackTimeout must be positive, got PT0S");
    assertThatThrownBy(() -> b.deviceId(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("deviceId must not be blank");
    assertThatThrownBy(() -> b.callbackExecutor(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("callbackExecutor");
    assertThatThrownBy(() -> TransportOptions.builder().maxFrameSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxFrameSize must be at least 1 byte, got 0");
    assertThatThrownBy(() -> TransportOptions.builder().connectTimeout(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("connectTimeout must be positive, got PT-1S");
    assertThatThrownBy(() -> TransportOptions.builder().handshakeTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("handshakeTimeout must be positive, got PT0S");
  }

  @Test
  void theHandshakeTimeoutDefaultsToTenSecondsAndSurvivesToBuilder() {
    assertThat(TransportOptions.defaults().handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    TransportOptions o = TransportOptions.builder().handshakeTimeout(Duration.ofMillis(200)).build();
    assertThat(o.toBuilder().build().handshakeTimeout()).isEqualTo(Duration.ofMillis(200));
    assertThat(o.toString()).contains("handshakeTimeout=PT0.2S");
  }

  @Test
  void schemeIsNormalisedToLowerCase() {
    ImEngine.Builder b = ImEngine.builder("app").server(URI.create("TCP://127.0.0.1:8100"));
    EngineConfig config = b.buildConfig();
    assertThat(config.servers()).containsExactly(URI.create("tcp://127.0.0.1:8100"));
    assertThat(config.deviceClass()).isEqualTo(DeviceClass.DESKTOP);
    assertThat(config.deviceId()).isNotBlank();
    assertThat(config.transportOptions().maxFrameSize()).isEqualTo(256 * 1024);
  }
}
