package io.imlink.api.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RemoteCloseExceptionTest {

  @Test
  void theSpecsExamplesMapAsWritten() {
    assertThat(RemoteCloseException.toWebSocketCode(30013)).isEqualTo(4013);
    assertThat(RemoteCloseException.toWebSocketCode(31004)).isEqualTo(4104);
    assertThat(RemoteCloseException.toWebSocketCode(31010)).isEqualTo(4110);
    assertThat(RemoteCloseException.toWebSocketCode(33003)).isEqualTo(4303);
    assertThat(RemoteCloseException.toWebSocketCode(34006)).isEqualTo(4406);
    assertThat(RemoteCloseException.toWebSocketCode(0)).isEqualTo(1000);
    assertThat(RemoteCloseException.toWebSocketReason(31004, "token refused")).isEqualTo("token refused");
  }

  @Test
  void everyErrorCodeRoundTripsThroughItsOwnCloseCode() {
    Set<Integer> used = new HashSet<>();
    for (ErrorCode c : ErrorCode.values()) {
      if (c == ErrorCode.SUCCESS) {
        continue;
      }
      int ws = RemoteCloseException.toWebSocketCode(c.code());
      assertThat(ws).as("%s", c).isBetween(4001, 4999);
      assertThat(used.add(ws)).as("%s shares close code %d", c, ws).isTrue();
      String reason = RemoteCloseException.toWebSocketReason(c.code(), c.description());
      assertThat(reason).as("%s needs no code in the reason", c).isEqualTo(c.description());
      RemoteCloseException back = RemoteCloseException.fromWebSocketCode(ws, reason).orElseThrow();
      assertThat(back.code()).as("%s", c).isEqualTo(c.code());
      assertThat(back.getMessage()).isEqualTo(c.description());
      assertThat(back.reason()).isEqualTo(c.description());
    }
  }

  @Test
  void aCodeOfAnotherFormTravelsAs4000WithTheCodeInTheReason() {
    for (int code : new int[] {12345, 30000, 31100, 40001, -7, 1}) {
      assertThat(RemoteCloseException.toWebSocketCode(code)).as("%d", code).isEqualTo(4000);
      String reason = RemoteCloseException.toWebSocketReason(code, "odd one");
      assertThat(reason).isEqualTo(code + " odd one");
      RemoteCloseException back = RemoteCloseException.fromWebSocketCode(4000, reason).orElseThrow();
      assertThat(back.code()).isEqualTo(code);
      assertThat(back.reason()).isEqualTo("odd one");
    }
    assertThat(RemoteCloseException.toWebSocketReason(12345, "")).isEqualTo("12345");
    assertThat(RemoteCloseException.fromWebSocketCode(4000, "12345").orElseThrow().code()).isEqualTo(12345);
    assertThat(RemoteCloseException.fromWebSocketCode(4000, "12345").orElseThrow().reason()).isEmpty();
  }

  @Test
  void a4000WithoutACodeInTheReasonCarriesCode0AndTheWholeReason() {
    RemoteCloseException e = RemoteCloseException.fromWebSocketCode(4000, "go away please").orElseThrow();
    assertThat(e.code()).isZero();
    assertThat(e.reason()).isEqualTo("go away please");
    assertThat(RemoteCloseException.fromWebSocketCode(4000, null).orElseThrow().reason()).isEmpty();
  }

  @Test
  void closeCodesOutsideThePrivateRangeCarryNoImlinkCode() {
    for (int ws : new int[] {1000, 1001, 1006, 1009, 1011, 3000, 3999, 5000, -1}) {
      assertThat(RemoteCloseException.fromWebSocketCode(ws, "x")).as("%d", ws).isEmpty();
    }
  }

  @Test
  void everyPrivateCloseCodeMapsBackToACodeThatMapsToIt() {
    for (int ws = 4001; ws <= 4999; ws++) {
      int code = RemoteCloseException.fromWebSocketCode(ws, "").orElseThrow().code();
      assertThat(RemoteCloseException.toWebSocketCode(code)).as("%d -> %d", ws, code).isEqualTo(ws);
    }
  }

  @Test
  void theReasonIsCutToWhatACloseFrameHoldsWithoutSplittingACharacter() {
    String ascii = "a".repeat(200);
    assertThat(RemoteCloseException.toWebSocketReason(31004, ascii)).hasSize(123);
    String euro = "€".repeat(50); // 3 bytes each: 41 fit in 123
    String cut = RemoteCloseException.toWebSocketReason(31004, euro);
    assertThat(cut).isEqualTo("€".repeat(41));
    String emoji = "x" + "😀".repeat(40); // 1 + 4 each: 30 fit in 121, a 31st would need 125
    String cutEmoji = RemoteCloseException.toWebSocketReason(31004, emoji);
    assertThat(cutEmoji).isEqualTo("x" + "😀".repeat(30));
    assertThat(cutEmoji.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
    String withCode = RemoteCloseException.toWebSocketReason(12345, ascii);
    assertThat(withCode).startsWith("12345 a").hasSize(123);
    assertThat(RemoteCloseException.toWebSocketReason(31004, null)).isEmpty();
  }

  @Test
  void theExceptionCarriesCodeAndReason() {
    RemoteCloseException e = new RemoteCloseException(31004, "token refused");
    assertThat(e).isInstanceOf(java.io.IOException.class).hasMessage("token refused");
    assertThat(e.code()).isEqualTo(31004);
    assertThat(e.toString()).contains("31004 CONN_TOKEN_INCORRECT").contains("token refused");
    assertThat(new RemoteCloseException(31004, null).getMessage()).isEmpty();
  }
}
