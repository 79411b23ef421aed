package io.imlink.server.spi;

import java.io.Serializable;
import java.util.Objects;

/**
 * One live session as the cluster's session directory holds it: on which node, which session, and
 * the device facts the multi-device policy ({@link SessionPolicy}) decides on. Immutable and
 * serializable, so that a cluster engine can keep it in a distributed map.
 *
 * @param nodeId the node that holds the connection ({@link Cluster#nodeId()})
 * @param sessionId unique on that node
 * @param deviceId the client's installation id
 * @param deviceClass the protobuf {@code DeviceClass} number (0 unspecified, counted as desktop)
 * @param firstLoginMs when the device first logged in, before any reconnect (server clock)
 */
public record SessionEntry(String nodeId, String sessionId, String deviceId, int deviceClass, long firstLoginMs)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  public SessionEntry {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(sessionId, "sessionId");
    Objects.requireNonNull(deviceId, "deviceId");
  }
}
