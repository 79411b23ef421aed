package io.imlink.cli;

import io.imlink.server.ImServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The {@code server} command's cluster: {@code --cluster local} (the default: this server alone) or
 * {@code --cluster hazelcast} with {@code --member HOST:PORT} for each member to join (this one's
 * own address among them is fine), {@code --cluster-port} and {@code --cluster-bind} for this
 * member, {@code --cluster-name}, and {@code --member-timeout}. The nodes of a cluster share one store: {@code --store
 * postgres}.
 *
 * <p>Thread: the command's thread, once per run.
 */
final class ClusterOptions {
  @Option(names = "--cluster", paramLabel = "NAME",
      description = "local (this server alone) or hazelcast (with --member; needs --store postgres)."
          + " Default: ${DEFAULT-VALUE}.", defaultValue = "local")
  String cluster;

  @Option(names = "--member", paramLabel = "HOST:PORT",
      description = "A cluster member to join (repeatable; --cluster hazelcast).")
  List<String> members = new ArrayList<>();

  @Option(names = "--cluster-port", paramLabel = "PORT",
      description = "This member's cluster port (--cluster hazelcast; default 5701).")
  Integer port;

  @Option(names = "--cluster-bind", paramLabel = "ADDRESS",
      description = "The address this member listens on and announces (--cluster hazelcast; default 127.0.0.1).")
  String bind;

  @Option(names = "--cluster-name", paramLabel = "NAME",
      description = "Keeps clusters on one network apart (--cluster hazelcast; default imlink).")
  String name;

  @Option(names = "--member-timeout", paramLabel = "DURATION",
      description = "How long a member may go unheard (stalled, or its link cut) before the others remove it and its"
          + " sessions, ISO-8601 in whole seconds, at least PT2S (--cluster hazelcast; default PT10S).")
  java.time.Duration memberTimeout;

  /**
   * Applies the options to {@code b}.
   *
   * @param store the store chosen ({@code --store})
   * @throws IllegalArgumentException options that do not go together
   */
  void apply(ImServer.Builder b, String store) {
    String engine = cluster.toLowerCase(Locale.ROOT);
    boolean memberOptions = !members.isEmpty() || port != null || bind != null || name != null
        || memberTimeout != null;
    if (engine.equals("local")) {
      if (memberOptions) {
        throw new IllegalArgumentException(
            "--member, --cluster-port, --cluster-bind, --cluster-name and --member-timeout go with --cluster hazelcast");
      }
      return;
    }
    if (store.equalsIgnoreCase("sqlite")) {
      throw new IllegalArgumentException("--cluster " + engine + " needs a store the nodes share: --store postgres");
    }
    for (String m : members) {
      int colon = m.lastIndexOf(':');
      if (colon <= 0 || !m.substring(colon + 1).matches("[0-9]{1,5}")) {
        throw new IllegalArgumentException("--member expects HOST:PORT, got '" + m + "'");
      }
    }
    if (memberTimeout != null && (memberTimeout.compareTo(java.time.Duration.ofSeconds(2)) < 0
        || memberTimeout.toNanos() % 1_000_000_000L != 0)) {
      throw new IllegalArgumentException("--member-timeout must be whole seconds, at least PT2S, got " + memberTimeout);
    }
    b.cluster(engine);
    if (!members.isEmpty()) {
      b.clusterProperty("members", String.join(",", members));
    }
    if (port != null) {
      b.clusterProperty("port", String.valueOf(port));
    }
    if (bind != null) {
      b.clusterProperty("bind", bind);
    }
    if (name != null) {
      b.clusterProperty("cluster-name", name);
    }
    if (memberTimeout != null) {
      b.clusterProperty("member-timeout", String.valueOf(memberTimeout.toSeconds()));
    }
  }

  /** What the server prints for its cluster. */
  String describe() {
    return cluster.equalsIgnoreCase("local") ? "local (this server alone)"
        : cluster + " members " + (members.isEmpty() ? "(this one)" : String.join(", ", members));
  }
}
