package io.imlink.core.internal;

import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;

/** Actionable messages for a scheme that no transport on the class path serves. */
public final class TransportHints {
  private static final Map<String, String> ARTIFACTS =
      Map.of(
          "tcp", "io.imlink:imlink-transport-tcp",
          "ws", "io.imlink:imlink-transport-websocket",
          "wss", "io.imlink:imlink-transport-websocket",
          "grpc", "io.imlink:imlink-transport-grpc",
          "grpcs", "io.imlink:imlink-transport-grpc");

  private TransportHints() {}

  /** "no transport for scheme 'ws': add io.imlink:imlink-transport-websocket (found: tcp)". */
  public static String missing(String scheme, Collection<String> found) {
    String artifact = ARTIFACTS.get(scheme);
    String advice =
        artifact != null
            ? "add " + artifact + " to the class path"
            : "imlink ships transports for tcp, ws, wss, grpc and grpcs";
    return "no transport for scheme '"
        + scheme
        + "': "
        + advice
        + " (schemes found: "
        + (found.isEmpty() ? "none" : String.join(", ", new TreeSet<>(found)))
        + ")";
  }
}
