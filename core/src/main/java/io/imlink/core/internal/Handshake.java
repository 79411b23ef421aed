package io.imlink.core.internal;

import io.imlink.api.EngineConfig;
import io.imlink.api.ErrorCode;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.ConnectRequest;
import io.imlink.protocol.v1.DeviceClass;
import io.imlink.protocol.v1.Frame;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;

/**
 * The client's side of the wire handshake, as data: the ConnectRequest an attempt sends, and the
 * code a failed transport connect is reported with. No state; {@link Connection} decides when.
 *
 * <p>Thread safety: stateless.
 */
final class Handshake {
  static final String SDK_VERSION = "imlink-java/0.1.0";

  private Handshake() {}

  /**
   * The ConnectRequest of an attempt.
   *
   * @param reconnect whether this session was connected before (the server then checks that no
   *     newer login of the device's class came meanwhile)
   * @param firstLoginTimeMs the server time of the session's first connection, for a reconnect
   */
  static Frame request(EngineConfig config, String token, boolean reconnect, long firstLoginTimeMs) {
    return Frame.newBuilder().setConnectRequest(ConnectRequest.newBuilder()
        .setProtocolVersion(Frames.PROTOCOL_VERSION)
        .setMinProtocolVersion(Frames.MIN_PROTOCOL_VERSION)
        .setAppKey(config.appKey())
        .setToken(token)
        .setSdkVersion(SDK_VERSION)
        .setDeviceId(config.deviceId())
        .setDeviceClass(deviceClass(config.deviceClass()))
        .setReconnect(reconnect)
        .setFirstLoginTimeMs(reconnect ? firstLoginTimeMs : 0)).build();
  }

  private static DeviceClass deviceClass(io.imlink.api.DeviceClass c) {
    return switch (c) {
      case MOBILE -> DeviceClass.DEVICE_CLASS_MOBILE;
      case DESKTOP -> DeviceClass.DEVICE_CLASS_DESKTOP;
      case WEB -> DeviceClass.DEVICE_CLASS_WEB;
    };
  }

  /** What a transport's failed connect means: its cause, and the code the attempt fails with. */
  record Failure(Throwable cause, int code, boolean tls) {}

  /**
   * Classifies a failed transport connect: a TLS handshake failure anywhere in the causes is 30017,
   * an unknown or unreachable host 30002 (network unavailable), anything else 30010.
   */
  static Failure classify(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    SSLException tls = tlsFailure(cause);
    if (tls != null) {
      return new Failure(tls, ErrorCode.SOCKET_TLS_FAILED.code(), true);
    }
    int code = cause instanceof UnknownHostException || cause instanceof NoRouteToHostException
        ? ErrorCode.NETWORK_UNAVAILABLE.code()
        : ErrorCode.SOCKET_NOT_CONNECTED.code();
    return new Failure(cause, code, false);
  }

  /** The TLS failure among {@code cause} and its causes, or null, whatever the transport wraps it in. */
  private static SSLException tlsFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SSLException ssl) {
        return ssl;
      }
    }
    return null;
  }
}
