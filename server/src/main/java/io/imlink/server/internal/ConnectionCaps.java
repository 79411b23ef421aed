package io.imlink.server.internal;

import io.imlink.api.ErrorCode;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's caps on open transport connections, authenticated or not: at most {@code
 * maxConnections} in all and {@code maxPerAddress} from one client address. Each connection is
 * counted from its accept to its close; one that finds a cap reached is still counted while it is
 * open (it holds a socket), and its {@code ConnectRequest} is refused with {@link #REFUSAL_CODE}.
 *
 * <p>Thread safety: every method may be called from any thread; none blocks (a per-address count is
 * updated atomically in a concurrent map).
 */
public final class ConnectionCaps {
  /** The refusal's code: 31003, the server cannot take the connection now; the client retries later. */
  public static final int REFUSAL_CODE = ErrorCode.CONN_SERVER_UNAVAILABLE.code();

  private final int maxConnections;
  private final int maxPerAddress;
  private final AtomicInteger open = new AtomicInteger();
  private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

  /**
   * @param maxConnections the most open connections in all; at least 1
   * @param maxPerAddress the most open connections from one address; at least 1
   */
  public ConnectionCaps(int maxConnections, int maxPerAddress) {
    if (maxConnections < 1 || maxPerAddress < 1) {
      throw new IllegalArgumentException("connection caps must be at least 1, got " + maxConnections + " and " + maxPerAddress);
    }
    this.maxConnections = maxConnections;
    this.maxPerAddress = maxPerAddress;
  }

  /**
   * Counts a newly accepted connection from {@code remote}; call {@link #closed} once when it closes.
   *
   * @return null if it is within both caps; otherwise the reason of its refusal
   */
  public String opened(SocketAddress remote) {
    int all = open.incrementAndGet();
    InetAddress address = address(remote);
    int fromAddress = address == null ? 0 : perAddress.merge(address, 1, Integer::sum);
    if (all > maxConnections) {
      return "too many connections: the server holds its maximum of " + maxConnections;
    }
    if (fromAddress > maxPerAddress) {
      return "too many connections from this address: at most " + maxPerAddress;
    }
    return null;
  }

  /** Uncounts a connection {@link #opened} counted. */
  public void closed(SocketAddress remote) {
    open.decrementAndGet();
    InetAddress address = address(remote);
    if (address != null) {
      perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }
  }

  /** The connections open now. */
  public int openConnections() {
    return open.get();
  }

  private static InetAddress address(SocketAddress remote) {
    return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
  }
}
