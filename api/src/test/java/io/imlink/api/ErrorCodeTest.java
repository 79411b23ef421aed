package io.imlink.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ErrorCodeTest {

  @Test
  void valuesAreTheCommercialSdksNumbers() {
    assertThat(ErrorCode.SUCCESS.code()).isZero();
    assertThat(ErrorCode.CONN_TOKEN_INCORRECT.code()).isEqualTo(31004);
    assertThat(ErrorCode.CONN_USER_BLOCKED.code()).isEqualTo(31009);
    assertThat(ErrorCode.DISCONN_KICK.code()).isEqualTo(31010);
    assertThat(ErrorCode.CONN_OTHER_DEVICE_LOGIN.code()).isEqualTo(31023);
    assertThat(ErrorCode.DATABASE_ERROR.code()).isEqualTo(33002);
    assertThat(ErrorCode.INVALID_PARAMETER.code()).isEqualTo(33003);
    assertThat(ErrorCode.CONNECTION_EXIST.code()).isEqualTo(34001);
    assertThat(ErrorCode.CONNECT_TIMEOUT.code()).isEqualTo(34006);
    assertThat(ErrorCode.CONNECT_OVER_FREQUENCY.code()).isEqualTo(30015);
    assertThat(ErrorCode.MSG_SIZE_OUT_OF_LIMIT.code()).isEqualTo(30016);
  }

  @Test
  void everyCodeIsUniqueAndRoundTrips() {
    Set<Integer> seen = new HashSet<>();
    for (ErrorCode c : ErrorCode.values()) {
      assertThat(seen.add(c.code())).as("duplicate %s", c).isTrue();
      assertThat(ErrorCode.of(c.code())).isSameAs(c);
      assertThat(ErrorCode.find(c.code())).contains(c);
    }
  }

  @Test
  void unknownCodesAreRefusedClearly() {
    assertThat(ErrorCode.find(12345)).isEmpty();
    assertThatThrownBy(() -> ErrorCode.of(12345))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown imlink error code 12345");
    assertThat(ErrorCode.describe(31004)).isEqualTo("31004 CONN_TOKEN_INCORRECT");
    assertThat(ErrorCode.describe(1)).isEqualTo("1 (unknown code)");
  }

  @Test
  void finalReasonsAreNotRetryable() {
    assertThat(ErrorCode.CONN_TOKEN_INCORRECT.retryable()).isFalse();
    assertThat(ErrorCode.CONN_TOKEN_EXPIRE.retryable()).isFalse();
    assertThat(ErrorCode.CONN_USER_BLOCKED.retryable()).isFalse();
    assertThat(ErrorCode.DISCONN_KICK.retryable()).isFalse();
    assertThat(ErrorCode.CONN_ID_REJECT.retryable()).isFalse();
    assertThat(ErrorCode.CONN_APP_BLOCKED_OR_DELETED.retryable()).isFalse();
    assertThat(ErrorCode.CONN_PROTO_VERSION_ERROR.retryable()).isFalse();
    assertThat(ErrorCode.CONN_SERVER_UNAVAILABLE.retryable()).isTrue();
    assertThat(ErrorCode.CONN_ACK_TIMEOUT.retryable()).isTrue();
    assertThat(ErrorCode.SOCKET_DISCONNECTED.retryable()).isTrue();
    assertThat(ErrorCode.CONNECT_OVER_FREQUENCY.retryable()).isTrue();
  }

  @Test
  void statusCodesAreAndroidsValues() {
    assertThat(ConnectionStatus.NETWORK_UNAVAILABLE.code()).isEqualTo(-1);
    assertThat(ConnectionStatus.CONNECTED.code()).isZero();
    assertThat(ConnectionStatus.CONNECTING.code()).isEqualTo(1);
    assertThat(ConnectionStatus.UNCONNECTED.code()).isEqualTo(2);
    assertThat(ConnectionStatus.KICKED_OFFLINE_BY_OTHER_CLIENT.code()).isEqualTo(3);
    assertThat(ConnectionStatus.TOKEN_INCORRECT.code()).isEqualTo(4);
    assertThat(ConnectionStatus.CONN_USER_BLOCKED.code()).isEqualTo(6);
    assertThat(ConnectionStatus.SIGN_OUT.code()).isEqualTo(12);
    assertThat(ConnectionStatus.SUSPEND.code()).isEqualTo(13);
    assertThat(ConnectionStatus.TIMEOUT.code()).isEqualTo(14);
    for (ConnectionStatus s : ConnectionStatus.values()) {
      assertThat(ConnectionStatus.find(s.code())).contains(s);
    }
    assertThat(ConnectionStatus.find(99)).isEmpty();
  }
}
