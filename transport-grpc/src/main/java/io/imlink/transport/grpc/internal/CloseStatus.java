package io.imlink.transport.grpc.internal;

import io.grpc.Metadata;
import io.grpc.Status;
import io.imlink.api.ErrorCode;
import io.imlink.api.spi.RemoteCloseException;
import java.util.Optional;

/**
 * How an imlink close code travels on gRPC: a server that closes with {@link
 * io.imlink.api.spi.FrameChannel#close(int, String) close(code, reason)} ends the stream with the
 * status below instead of OK, the reason as its description and the code, in ASCII decimal, in the
 * trailer {@value #KEY}. A client that sees a non-OK status with that trailer reports a {@link
 * RemoteCloseException}; a non-OK status without it is a transport error, an OK status an orderly
 * close. This class is the one place of that table:
 *
 * <table>
 *   <caption>imlink code to gRPC status</caption>
 *   <tr><th>imlink code</th><th>status</th></tr>
 *   <tr><td>0</td><td>OK (no trailer)</td></tr>
 *   <tr><td>31002, 31004, 31020</td><td>UNAUTHENTICATED</td></tr>
 *   <tr><td>31005, 31008, 31009, 31010, 31023</td><td>PERMISSION_DENIED</td></tr>
 *   <tr><td>30001, 30002, 30010, 30011, 30012, 30015, 31003, 31006</td><td>UNAVAILABLE</td></tr>
 *   <tr><td>30003, 30013, 31000, 34006</td><td>DEADLINE_EXCEEDED</td></tr>
 *   <tr><td>31001, 33001</td><td>FAILED_PRECONDITION</td></tr>
 *   <tr><td>30016</td><td>RESOURCE_EXHAUSTED</td></tr>
 *   <tr><td>30014</td><td>ABORTED</td></tr>
 *   <tr><td>33002</td><td>INTERNAL</td></tr>
 *   <tr><td>33003</td><td>INVALID_ARGUMENT</td></tr>
 *   <tr><td>34001</td><td>ALREADY_EXISTS</td></tr>
 *   <tr><td>any other</td><td>UNKNOWN</td></tr>
 * </table>
 *
 * <p>Thread safety: stateless; every method is pure, may be called from any thread any number of
 * times, and does not block.
 */
public final class CloseStatus {
  /** The trailer that carries the imlink code. */
  public static final String KEY = "imlink-code";

  private static final Metadata.Key<String> CODE = Metadata.Key.of(KEY, Metadata.ASCII_STRING_MARSHALLER);

  private CloseStatus() {}

  /** The status code that ends a stream closed with the imlink {@code code}. */
  public static Status.Code statusCode(int code) {
    if (code == 0) {
      return Status.Code.OK;
    }
    return ErrorCode.find(code).map(CloseStatus::statusCode).orElse(Status.Code.UNKNOWN);
  }

  private static Status.Code statusCode(ErrorCode code) {
    return switch (code) {
      case SUCCESS -> Status.Code.OK;
      case CONN_ID_REJECT, CONN_TOKEN_INCORRECT, CONN_TOKEN_EXPIRE -> Status.Code.UNAUTHENTICATED;
      case CONN_NOT_AUTHORIZED, CONN_APP_BLOCKED_OR_DELETED, CONN_USER_BLOCKED, DISCONN_KICK,
          CONN_OTHER_DEVICE_LOGIN -> Status.Code.PERMISSION_DENIED;
      case CHANNEL_INVALID, NETWORK_UNAVAILABLE, SOCKET_NOT_CONNECTED, SOCKET_DISCONNECTED, PING_SEND_FAIL, SOCKET_TLS_FAILED,
          CONNECT_OVER_FREQUENCY, CONN_SERVER_UNAVAILABLE, CONN_REDIRECTED -> Status.Code.UNAVAILABLE;
      case MSG_RESPONSE_TIMEOUT, PONG_RECV_FAIL, CONN_ACK_TIMEOUT, CONNECT_TIMEOUT -> Status.Code.DEADLINE_EXCEEDED;
      case CONN_PROTO_VERSION_ERROR, CLIENT_NOT_INIT -> Status.Code.FAILED_PRECONDITION;
      case MSG_SIZE_OUT_OF_LIMIT -> Status.Code.RESOURCE_EXHAUSTED;
      case MSG_SEND_FAIL -> Status.Code.ABORTED;
      case DATABASE_ERROR -> Status.Code.INTERNAL;
      case INVALID_PARAMETER -> Status.Code.INVALID_ARGUMENT;
      case CONNECTION_EXIST -> Status.Code.ALREADY_EXISTS;
    };
  }

  /** The status that ends a stream closed with {@code code} and {@code reason} (its description). */
  public static Status status(int code, String reason) {
    Status s = Status.fromCode(statusCode(code));
    return reason == null || reason.isEmpty() ? s : s.withDescription(reason);
  }

  /** The trailers that go with {@link #status}: the code, unless it is 0. */
  public static Metadata trailers(int code) {
    Metadata m = new Metadata();
    if (code != 0) {
      m.put(CODE, Integer.toString(code));
    }
    return m;
  }

  /**
   * What a stream's end says about the peer's close: for a non-OK status with the {@value #KEY}
   * trailer, the exception with that code (0 if the trailer is not a number) and the status's
   * description; otherwise empty.
   *
   * @param trailers the trailers received, or null if none are known
   */
  public static Optional<RemoteCloseException> remoteClose(Status status, Metadata trailers) {
    if (status.isOk() || trailers == null) {
      return Optional.empty();
    }
    String value = trailers.get(CODE);
    if (value == null) {
      return Optional.empty();
    }
    int code;
    try {
      code = Integer.parseInt(value.trim());
    } catch (NumberFormatException notANumber) {
      code = 0;
    }
    RemoteCloseException e = new RemoteCloseException(code, status.getDescription());
    e.initCause(status.asRuntimeException());
    return Optional.of(e);
  }
}
