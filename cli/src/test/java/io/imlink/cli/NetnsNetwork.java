package io.imlink.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Linux network namespaces for cluster tests whose members' link can be cut while their clients'
 * stays: one namespace per node, each with
 *
 * <ul>
 *   <li>a <em>member</em> link: a veth whose root-side end is a port of one bridge (no address) that
 *       joins all the nodes, {@code 10.99.0.(i+1)/24} inside; Hazelcast binds there. {@link #cut}
 *       takes a node's port down, {@link #heal} brings it up again;
 *   <li>a <em>client</em> link: a veth pair of its own, a /30 with the root side at {@link
 *       #rootAddress} and the namespace's at {@link #nodeAddress}, on which the server listens for
 *       clients and its HTTP API, and through which it reaches PostgreSQL ({@link #relayPostgres}).
 * </ul>
 *
 * Names carry a random suffix and the client subnet is random in 10.64.0.0/10, so that runs in
 * parallel do not clash. Needs root and iproute2 ({@code ip netns}); {@link #create} says so: it
 * fails where the environment variable {@code CI} is set, and skips the test elsewhere. iptables
 * is not needed.
 *
 * <p>Thread safety: {@link #cut} and {@link #heal} from any thread; {@link #close} once, at the end
 * (it undoes everything made so far, also after a failed {@link #create}). Every method blocks on
 * {@code ip} commands (milliseconds each).
 */
final class NetnsNetwork implements AutoCloseable {
  private final String suffix;
  private final int nodes;
  private int clientNet; // the second and third octets of 10.x.y.0/24
  private final List<String> made = new ArrayList<>(); // namespaces and root links, deleted on close
  private final List<TcpRelay> relays = new ArrayList<>();

  private NetnsNetwork(int nodes) {
    SecureRandom random = new SecureRandom();
    byte[] b = new byte[3];
    random.nextBytes(b);
    this.suffix = HexFormat.of().formatHex(b);
    this.nodes = nodes;
  }

  /** A client subnet that no address of the root namespace is in. */
  private void pickClientNet() throws Exception {
    SecureRandom random = new SecureRandom();
    String addresses = run(List.of("ip", "-4", "-o", "addr", "show")).output();
    do {
      clientNet = (64 + random.nextInt(64)) << 8 | random.nextInt(256);
    } while (addresses.contains(" " + clientPrefix()));
  }

  /**
   * Makes the namespaces and links for {@code nodes} nodes; where this machine cannot (not root, no
   * {@code ip netns}), fails under CI and aborts the test elsewhere.
   */
  static NetnsNetwork create(int nodes) throws Exception {
    String missing = missing();
    if (missing != null) {
      String message = "this test needs root and iproute2 (ip netns, veth, bridge) on Linux: " + missing
          + "; run it as root on a Linux machine with iproute2 installed (Debian: apt-get install iproute2)";
      if (System.getenv("CI") != null) {
        throw new AssertionError(message + " (CI is set, so this is a failure, not a skip)");
      }
      Assumptions.abort(message);
    }
    NetnsNetwork n = new NetnsNetwork(nodes);
    try {
      n.build();
      return n;
    } catch (Exception | AssertionError e) {
      n.close();
      throw e;
    }
  }

  private static String missing() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      if (!"0".equals(uid.toString())) {
        return "not root (uid " + uid + ")";
      }
      Result r = run(List.of("ip", "netns", "list"));
      return r.code() == 0 ? null : "'ip netns list' failed: " + r.output();
    } catch (IOException | UnsupportedOperationException e) {
      return "cannot run ip: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  private String bridge() {
    return "imb" + suffix;
  }

  /** The root-side end of node {@code i}'s member link (a bridge port). */
  private String memberPort(int i) {
    return "imm" + i + suffix;
  }

  private String clientLink(int i) {
    return "imc" + i + suffix;
  }

  /** Node {@code i}'s namespace. */
  String namespace(int i) {
    return "imlink-" + suffix + "-" + i;
  }

  /** The command prefix that runs a program in node {@code i}'s namespace. */
  List<String> exec(int i) {
    return List.of("ip", "netns", "exec", namespace(i));
  }

  /** Node {@code i}'s address on the member network. */
  String memberAddress(int i) {
    return "10.99.0." + (i + 1);
  }

  /** Node {@code i}'s address on its client link: where clients reach it. */
  String nodeAddress(int i) {
    return clientPrefix() + (4 * i + 2);
  }

  /** The root namespace's address on node {@code i}'s client link. */
  String rootAddress(int i) {
    return clientPrefix() + (4 * i + 1);
  }

  private String clientPrefix() {
    return "10." + (clientNet >> 8) + "." + (clientNet & 0xff) + ".";
  }

  private void build() throws Exception {
    pickClientNet();
    ip("link", "add", bridge(), "type", "bridge");
    made.add("link:" + bridge());
    ip("link", "set", bridge(), "up");
    for (int i = 0; i < nodes; i++) {
      String ns = namespace(i);
      ip("netns", "add", ns);
      made.add("netns:" + ns);
      ip("-n", ns, "link", "set", "lo", "up");
      ip("link", "add", memberPort(i), "type", "veth", "peer", "name", "member", "netns", ns);
      made.add("link:" + memberPort(i));
      ip("link", "set", memberPort(i), "master", bridge(), "up");
      ip("-n", ns, "addr", "add", memberAddress(i) + "/24", "dev", "member");
      ip("-n", ns, "link", "set", "member", "up");
      ip("link", "add", clientLink(i), "type", "veth", "peer", "name", "client", "netns", ns);
      made.add("link:" + clientLink(i));
      ip("addr", "add", rootAddress(i) + "/30", "dev", clientLink(i));
      ip("link", "set", clientLink(i), "up");
      ip("-n", ns, "addr", "add", nodeAddress(i) + "/30", "dev", "client");
      ip("-n", ns, "link", "set", "client", "up");
    }
  }

  /**
   * A JDBC URL through which node {@code i} reaches the PostgreSQL of {@code jdbcUrl} (on the root
   * namespace's loopback): a relay on the root side of its client link.
   */
  String relayPostgres(int i, String jdbcUrl) throws IOException {
    Matcher m = Pattern.compile("^jdbc:postgresql://([^:/]+):([0-9]+)(/.*)$").matcher(jdbcUrl);
    if (!m.matches()) {
      throw new IllegalArgumentException("expected jdbc:postgresql://HOST:PORT/..., got " + jdbcUrl);
    }
    TcpRelay relay = new TcpRelay(InetAddress.getByName(rootAddress(i)), 0,
        new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))));
    synchronized (relays) {
      relays.add(relay);
    }
    return "jdbc:postgresql://" + rootAddress(i) + ":" + relay.port() + m.group(3);
  }

  /** Cuts node {@code i} off the member network (its clients' link stays). */
  void cut(int i) throws Exception {
    ip("link", "set", memberPort(i), "down");
  }

  /** Connects node {@code i} to the member network again. */
  void heal(int i) throws Exception {
    ip("link", "set", memberPort(i), "up");
  }

  @Override
  public void close() throws IOException {
    synchronized (relays) {
      for (TcpRelay r : relays) {
        r.close();
      }
    }
    List<String> failed = new ArrayList<>();
    for (int k = made.size() - 1; k >= 0; k--) {
      String[] what = made.get(k).split(":", 2);
      try {
        Result r = what[0].equals("netns") ? run(List.of("ip", "netns", "del", what[1]))
            : run(List.of("ip", "link", "del", what[1]));
        // a veth goes with its peer's namespace; "Cannot find device" is then fine
        if (r.code() != 0 && !r.output().contains("Cannot find device")) {
          failed.add(made.get(k) + ": " + r.output());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed.add(made.get(k) + ": interrupted");
      }
    }
    made.clear();
    if (!failed.isEmpty()) {
      throw new IOException("could not remove " + failed);
    }
  }

  private static void ip(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    Result r = run(command);
    if (r.code() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + r.code() + "): " + r.output());
    }
  }

  private record Result(int code, String output) {}

  private static Result run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not end");
    }
    return new Result(p.exitValue(), out);
  }
}
