package io.imlink.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.DeviceClass;
import io.imlink.api.ImEngine;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.ConnectRequest;
import java.io.IOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The ConnectRequest an attempt sends, and the codes of failed transport connects. */
class HandshakeTest {
  @Test
  void aReconnectCarriesTheFirstLoginTimeAndAFirstConnectDoesNot() {
    var config = EngineModuleTest.config(ImEngine.builder("app").server(URI.create("tcp://127.0.0.1:1"))
        .deviceId("phone-1").deviceClass(DeviceClass.DESKTOP));
    ConnectRequest first = Handshake.request(config, "tok", false, 1234).getConnectRequest();
    assertThat(first.getAppKey()).isEqualTo("app");
    assertThat(first.getToken()).isEqualTo("tok");
    assertThat(first.getDeviceId()).isEqualTo("phone-1");
    assertThat(first.getDeviceClass()).isEqualTo(io.imlink.protocol.v1.DeviceClass.DEVICE_CLASS_DESKTOP);
    assertThat(first.getProtocolVersion()).isEqualTo(Frames.PROTOCOL_VERSION);
    assertThat(first.getMinProtocolVersion()).isEqualTo(Frames.MIN_PROTOCOL_VERSION);
    assertThat(first.getReconnect()).isFalse();
    assertThat(first.getFirstLoginTimeMs()).isZero();
    ConnectRequest again = Handshake.request(config, "tok", true, 1234).getConnectRequest();
    assertThat(again.getReconnect()).isTrue();
    assertThat(again.getFirstLoginTimeMs()).isEqualTo(1234);
  }

  @Test
  void failedConnectsAreClassifiedWhateverTheTransportWrapsThemIn() {
    Handshake.Failure tls = Handshake.classify(
        new CompletionException(new IOException("wrapped", new SSLHandshakeException("bad certificate"))));
    assertThat(tls.code()).isEqualTo(30017);
    assertThat(tls.tls()).isTrue();
    assertThat(tls.cause()).hasMessage("bad certificate");
    assertThat(Handshake.classify(new CompletionException(new UnknownHostException("nowhere"))).code()).isEqualTo(30002);
    Handshake.Failure refused = Handshake.classify(new IOException("connection refused"));
    assertThat(refused.code()).isEqualTo(30010);
    assertThat(refused.tls()).isFalse();
  }
}
