package io.imlink.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.InvalidProtocolBufferException;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.DeviceClass;
import io.imlink.protocol.v1.Frame;
import io.imlink.protocol.v1.ImlinkProto;
import org.junit.jupiter.api.Test;

class FramesTest {

  @Test
  void framesRoundTrip() throws Exception {
    Frame f =
        Frame.newBuilder()
            .setConnectRequest(
                ConnectRequest.newBuilder()
                    .setProtocolVersion(Frames.PROTOCOL_VERSION)
                    .setAppKey("app")
                    .setToken("t.t")
                    .setDeviceClass(DeviceClass.DEVICE_CLASS_MOBILE))
            .build();
    assertThat(Frames.decode(Frames.encode(f))).isEqualTo(f);
  }

  @Test
  void theVersionIsTheHighestBothSidesSpeak() {
    assertThat(Frames.negotiate(0, 1)).as("a version-1 client").isEqualTo(1);
    assertThat(Frames.negotiate(1, 1)).isEqualTo(1);
    assertThat(Frames.negotiate(1, 5)).as("a newer client that still speaks 1").isEqualTo(1);
    assertThat(Frames.negotiate(0, 2)).as("a client of version 2 only").isZero();
    assertThat(Frames.negotiate(2, 3)).isZero();
    assertThat(Frames.negotiate(0, 0)).as("no version given").isZero();
    assertThat(Frames.negotiate(3, 1)).as("an empty range").isZero();
  }

  @Test
  void garbageIsRefused() {
    assertThatThrownBy(() -> Frames.decode(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void theProtoDeclaresTheGrpcSessionService() {
    var service = ImlinkProto.getDescriptor().findServiceByName("Session");
    assertThat(service).isNotNull();
    var method = service.findMethodByName("Connect");
    assertThat(method.isClientStreaming()).isTrue();
    assertThat(method.isServerStreaming()).isTrue();
    assertThat(method.getInputType().getFullName()).isEqualTo("imlink.v1.Frame");
    assertThat(method.getOutputType().getFullName()).isEqualTo("imlink.v1.Frame");
    assertThat(service.getFullName() + "/" + method.getName()).isEqualTo("imlink.v1.Session/Connect");
  }
}
