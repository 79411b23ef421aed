package io.imlink.transport.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Metadata;
import io.grpc.Status;
import io.imlink.api.ErrorCode;
import io.imlink.api.spi.RemoteCloseException;
import org.junit.jupiter.api.Test;

class CloseStatusTest {
  private static final Metadata.Key<String> KEY = Metadata.Key.of("imlink-code", Metadata.ASCII_STRING_MARSHALLER);

  @Test
  void theSpecsExamplesMapAsWritten() {
    for (int code : new int[] {31002, 31004, 31020}) {
      assertThat(CloseStatus.statusCode(code)).as("%d", code).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
    for (int code : new int[] {31009, 31010, 31023}) {
      assertThat(CloseStatus.statusCode(code)).as("%d", code).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
    for (int code : new int[] {31003, 30015}) {
      assertThat(CloseStatus.statusCode(code)).as("%d", code).isEqualTo(Status.Code.UNAVAILABLE);
    }
    assertThat(CloseStatus.statusCode(31001)).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(CloseStatus.statusCode(30016)).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(CloseStatus.statusCode(0)).isEqualTo(Status.Code.OK);
    assertThat(CloseStatus.statusCode(12345)).isEqualTo(Status.Code.UNKNOWN);
  }

  @Test
  void everyErrorCodeButSuccessEndsTheStreamWithANonOkStatusAndRoundTrips() {
    for (ErrorCode c : ErrorCode.values()) {
      Status status = CloseStatus.status(c.code(), c.description());
      Metadata trailers = CloseStatus.trailers(c.code());
      if (c == ErrorCode.SUCCESS) {
        assertThat(status.isOk()).isTrue();
        assertThat(trailers.containsKey(KEY)).isFalse();
        assertThat(CloseStatus.remoteClose(status, trailers)).isEmpty();
        continue;
      }
      assertThat(status.getCode()).as("%s", c).isNotIn(Status.Code.OK, Status.Code.UNKNOWN);
      assertThat(status.getDescription()).isEqualTo(c.description());
      assertThat(trailers.get(KEY)).isEqualTo(Integer.toString(c.code()));
      RemoteCloseException back = CloseStatus.remoteClose(status, trailers).orElseThrow();
      assertThat(back.code()).isEqualTo(c.code());
      assertThat(back.reason()).isEqualTo(c.description());
    }
  }

  @Test
  void onlyANonOkStatusWithTheTrailerIsAPeersClose() {
    Metadata withCode = CloseStatus.trailers(31004);
    assertThat(CloseStatus.remoteClose(Status.OK, withCode)).isEmpty();
    assertThat(CloseStatus.remoteClose(Status.UNAVAILABLE.withDescription("io exception"), new Metadata())).isEmpty();
    assertThat(CloseStatus.remoteClose(Status.UNAVAILABLE, null)).isEmpty();
    Metadata garbage = new Metadata();
    garbage.put(KEY, "not a number");
    RemoteCloseException e = CloseStatus.remoteClose(Status.UNKNOWN.withDescription("why"), garbage).orElseThrow();
    assertThat(e.code()).isZero();
    assertThat(e.reason()).isEqualTo("why");
    assertThat(CloseStatus.remoteClose(CloseStatus.status(31004, null), withCode).orElseThrow().reason()).isEmpty();
  }
}
