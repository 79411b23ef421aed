package io.imlink.api;

import java.util.Optional;

/**
 * The numeric result codes of imlink, with the values of the commercial IM SDK that the connect
 * specification follows, so that people who know that SDK recognise them.
 *
 * <p>Every {@code int} code that imlink reports through a return value or a callback is one of these.
 * {@link #retryable()} says whether the engine retries by itself after meeting the code while
 * connecting or reconnecting; a code that is not retryable ends automatic reconnection.
 *
 * <p>Thread safety: an immutable enum, usable from any thread.
 */
public enum ErrorCode {
  /** Success, or a call accepted. */
  SUCCESS(0, false, "success"),
  /** The connection was released and its socket is gone. */
  CHANNEL_INVALID(30001, true, "connection released, socket gone"),
  /** The network is unavailable. */
  NETWORK_UNAVAILABLE(30002, true, "network unavailable"),
  /** The server did not answer a request in time. */
  MSG_RESPONSE_TIMEOUT(30003, true, "server did not answer a request in time"),
  /** A socket could not be created or connected. */
  SOCKET_NOT_CONNECTED(30010, true, "socket could not be created or connected"),
  /** The socket was closed. */
  SOCKET_DISCONNECTED(30011, true, "socket closed"),
  /** A heartbeat ping could not be sent. */
  PING_SEND_FAIL(30012, true, "heartbeat ping could not be sent"),
  /** No heartbeat pong came back in time. */
  PONG_RECV_FAIL(30013, true, "heartbeat pong not received in time"),
  /** A message could not be sent. */
  MSG_SEND_FAIL(30014, false, "send failed"),
  /** Connecting too often: the server throttles this client for a while. */
  CONNECT_OVER_FREQUENCY(30015, true, "connecting too often, retry later"),
  /** A message body is over the size limit (128 KB). */
  MSG_SIZE_OUT_OF_LIMIT(30016, false, "message body over the size limit"),
  /**
   * The TLS handshake failed: the server's certificate is not trusted, expired, for another host
   * name or not one of the pinned keys, or the two sides share no protocol (imlink's own code, not
   * in the commercial SDK's table). Retried like {@link #SOCKET_NOT_CONNECTED}, since a network that
   * intercepts TLS may be left, and logged as a warning with the JDK's reason each time.
   */
  SOCKET_TLS_FAILED(30017, true, "TLS handshake failed: certificate untrusted, expired, for another host or not pinned"),
  /** The connect acknowledgement did not arrive in time. */
  CONN_ACK_TIMEOUT(31000, true, "connect acknowledgement timed out"),
  /** The server rejected the client's protocol version. */
  CONN_PROTO_VERSION_ERROR(31001, false, "protocol version rejected"),
  /** The app key is wrong or the client information is malformed. */
  CONN_ID_REJECT(31002, false, "app key rejected or client information malformed"),
  /** The server is unavailable. */
  CONN_SERVER_UNAVAILABLE(31003, true, "server unavailable"),
  /** The token is invalid, belongs to another app key, has expired or was revoked. */
  CONN_TOKEN_INCORRECT(31004, false, "token invalid, app key/token mismatch, expired or revoked"),
  /** App verification failed. */
  CONN_NOT_AUTHORIZED(31005, false, "app verification failed"),
  /** The server redirects the client to another server. */
  CONN_REDIRECTED(31006, true, "redirected to another server"),
  /** The app key is banned or deleted. */
  CONN_APP_BLOCKED_OR_DELETED(31008, false, "app key banned or deleted"),
  /** The user is banned. */
  CONN_USER_BLOCKED(31009, false, "user banned"),
  /** Kicked offline: another device of the same class logged in. */
  DISCONN_KICK(31010, false, "kicked offline by another device"),
  /** The token has expired. */
  CONN_TOKEN_EXPIRE(31020, false, "token expired"),
  /** Refused: a device of the same class is online and does not yield to a reconnecting one. */
  CONN_OTHER_DEVICE_LOGIN(31023, false, "refused: another device of the same class is online"),
  /** The SDK is not initialised, or the engine has been closed. */
  CLIENT_NOT_INIT(33001, false, "SDK not initialised or engine closed"),
  /** A local database error; also the failure code of {@code onDatabaseOpened}. */
  DATABASE_ERROR(33002, false, "local database error"),
  /** A bad argument. */
  INVALID_PARAMETER(33003, false, "invalid parameter"),
  /** A connection already exists or is being established. */
  CONNECTION_EXIST(34001, false, "a connection already exists or is in progress"),
  /** The {@code timeout} given to {@code connect} ran out. */
  CONNECT_TIMEOUT(34006, false, "connect timeout ran out");

  private final int code;
  private final boolean retryable;
  private final String description;

  ErrorCode(int code, boolean retryable, String description) {
    this.code = code;
    this.retryable = retryable;
    this.description = description;
  }

  /** The stable numeric value, as returned by the engine and passed to callbacks. */
  public int code() {
    return code;
  }

  /**
   * Whether the engine retries by itself after this code while connecting or reconnecting. A code
   * that is not retryable and arrives from the server ends automatic reconnection.
   */
  public boolean retryable() {
    return retryable;
  }

  /** A short English description, suitable for logs. */
  public String description() {
    return description;
  }

  /**
   * The constant with the given numeric value.
   *
   * @throws IllegalArgumentException if no constant has that value
   */
  public static ErrorCode of(int code) {
    return find(code)
        .orElseThrow(() -> new IllegalArgumentException("unknown imlink error code " + code));
  }

  /** The constant with the given numeric value, or empty if the value is unknown. */
  public static Optional<ErrorCode> find(int code) {
    for (ErrorCode c : values()) {
      if (c.code == code) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** Describes any numeric code, known or not: {@code "31004 CONN_TOKEN_INCORRECT"}. */
  public static String describe(int code) {
    return find(code).map(c -> code + " " + c.name()).orElse(code + " (unknown code)");
  }
}
