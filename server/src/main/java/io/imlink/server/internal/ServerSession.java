package io.imlink.server.internal;

import io.imlink.api.spi.FrameChannel;
import io.imlink.protocol.Frames;
import io.imlink.protocol.v1.DeviceClass;
import io.imlink.protocol.v1.Disconnect;
import io.imlink.protocol.v1.Frame;

/**
 * An authenticated session: one user on one connection.
 *
 * @param id unique on this server
 * @param deviceClass the client's class of device (one session per user and class by default)
 * @param deviceId the client's installation id
 * @param loginTimeMs when this session was accepted (server clock)
 * @param firstLoginTimeMs when the device first logged in, before any reconnect (server clock)
 */
public record ServerSession(
    String id,
    UserKey user,
    DeviceClass deviceClass,
    String deviceId,
    FrameChannel channel,
    long loginTimeMs,
    long firstLoginTimeMs,
    LiveDelivery live) {

  /** Where live messages for this session go. */
  public interface LiveDelivery {
    /** Sends a stored message now if the session has finished its sync; otherwise its sync will. */
    void push(io.imlink.protocol.v1.DeliveredMessage message);
  }

  /** This session as the cluster's directory holds it, on node {@code nodeId}. */
  public io.imlink.server.spi.SessionEntry entry(String nodeId) {
    int number = deviceClass == DeviceClass.UNRECOGNIZED ? -1 : deviceClass.getNumber(); // a class of its own
    return new io.imlink.server.spi.SessionEntry(nodeId, id, deviceId, number, firstLoginTimeMs);
  }

  /** Tells the client why, then closes the connection (queued frames are flushed first). */
  public void disconnect(int code, String reason) {
    disconnect(channel, code, reason);
  }

  /**
   * Tells the peer of {@code channel} why, in a Disconnect frame and by the transport's own means
   * (a WebSocket close code, a gRPC status), then closes it (queued frames are flushed first).
   */
  static void disconnect(FrameChannel channel, int code, String reason) {
    channel.send(
        Frames.encode(
            Frame.newBuilder().setDisconnect(Disconnect.newBuilder().setCode(code).setReason(reason)).build()));
    channel.close(code, reason);
  }
}
