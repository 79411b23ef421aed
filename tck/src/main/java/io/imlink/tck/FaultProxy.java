package io.imlink.tck;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback that sits between a client and a server and injects faults: drop every
 * connection (FIN), reset it (RST), freeze it (bytes stop flowing, nothing is closed), slow it down,
 * refuse new connections, or reset a connection as soon as the client starts talking (a reset
 * during the handshake). Every transport is carried over TCP, so one proxy serves them all.
 *
 * <p>Blocking I/O, two daemon threads per proxied connection. Thread safety: every method may be
 * called from any thread.
 */
public final class FaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private volatile InetSocketAddress target;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private final Object gate = new Object();
  private volatile boolean frozen;
  private volatile boolean downstreamFrozen;
  private volatile boolean refusing;
  private volatile boolean resetOnFirstData;
  private volatile long delayNanos;
  private volatile int upstreamReceiveBuffer; // 0: the system's, auto-tuned
  private volatile boolean closed;
  private final Thread acceptThread;

  private FaultProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 1024, Network.loopback());
    this.acceptThread = new Thread(this::acceptLoop, "fault-proxy-accept-" + server.getLocalPort());
    acceptThread.setDaemon(true);
    acceptThread.start();
  }

  /** Starts a proxy on a free loopback port forwarding to {@code target}. */
  public static FaultProxy start(InetSocketAddress target) {
    try {
      return new FaultProxy(target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The proxy's port. */
  public int port() {
    return server.getLocalPort();
  }

  /** The proxy's address. */
  public InetSocketAddress address() {
    return new InetSocketAddress(Network.loopback(), port());
  }

  /** Forwards new connections to another server address (existing ones are not moved). */
  public void retarget(InetSocketAddress newTarget) {
    this.target = newTarget;
  }

  /** Connections accepted so far. */
  public int acceptedCount() {
    return accepted.get();
  }

  /** Connections currently proxied. */
  public int openConnections() {
    return links.size();
  }

  /** Closes every current connection in order (FIN to both sides). */
  public void drop() {
    for (Link l : links) {
      l.close(false);
    }
  }

  /** Resets every current connection (RST to both sides). */
  public void reset() {
    for (Link l : links) {
      l.close(true);
    }
  }

  /** Stops moving bytes in both directions without closing anything: a frozen link. */
  public void freeze() {
    frozen = true;
  }

  /**
   * Stops only the bytes from the server to the client (requests still arrive, answers do not): for
   * losing acknowledgements.
   */
  public void freezeDownstream() {
    downstreamFrozen = true;
  }

  /** Lets bytes flow again after {@link #freeze()} or {@link #freezeDownstream()}. */
  public void thaw() {
    synchronized (gate) {
      frozen = false;
      downstreamFrozen = false;
      gate.notifyAll();
    }
  }

  /**
   * Gives new connections' sockets towards the server a fixed receive buffer of {@code bytes} (0: the
   * system's, which the kernel grows to megabytes): a frozen link then holds little of what the server
   * sends in the proxy's kernel, and the rest stays with the server.
   */
  public void upstreamReceiveBuffer(int bytes) {
    this.upstreamReceiveBuffer = bytes;
  }

  /** Delays every chunk of bytes by {@code delay} in each direction (zero: no delay). */
  public void slow(Duration delay) {
    this.delayNanos = delay.toNanos();
  }

  /** While true, new connections are reset as soon as they are accepted. */
  public void refuse(boolean refuse) {
    this.refusing = refuse;
  }

  /** While true, a new connection is reset when its client sends its first bytes. */
  public void resetOnFirstData(boolean reset) {
    this.resetOnFirstData = reset;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      accepted.incrementAndGet();
      if (refusing) {
        abort(client);
        continue;
      }
      try {
        Socket upstream = new Socket();
        upstream.setTcpNoDelay(true);
        int rcv = upstreamReceiveBuffer;
        if (rcv > 0) {
          upstream.setReceiveBufferSize(rcv); // before connect: it sizes the window too
        }
        upstream.connect(target, 5_000);
        client.setTcpNoDelay(true);
        Link link = new Link(client, upstream);
        links.add(link);
        link.start();
      } catch (IOException e) {
        abort(client); // the server is down: the client sees a reset, as with a real outage
      }
    }
  }

  private static void abort(Socket s) {
    try {
      s.setSoLinger(true, 0);
      s.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  private void awaitThawed(boolean fromClient) throws InterruptedException {
    synchronized (gate) {
      while ((frozen || (!fromClient && downstreamFrozen)) && !closed) {
        gate.wait();
      }
    }
  }

  /** One proxied connection. */
  private final class Link {
    private final Socket client;
    private final Socket upstream;
    private final AtomicInteger finished = new AtomicInteger();
    private volatile boolean closing;

    Link(Socket client, Socket upstream) {
      this.client = client;
      this.upstream = upstream;
    }

    void start() {
      Thread up = new Thread(() -> pump(client, upstream, true), "fault-proxy-up-" + client.getPort());
      Thread down = new Thread(() -> pump(upstream, client, false), "fault-proxy-down-" + client.getPort());
      up.setDaemon(true);
      down.setDaemon(true);
      up.start();
      down.start();
    }

    private void pump(Socket from, Socket to, boolean fromClient) {
      byte[] buffer = new byte[16 * 1024];
      boolean first = true;
      boolean reset = false;
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          if (fromClient && first && resetOnFirstData) {
            reset = true;
            break;
          }
          first = false;
          awaitThawed(fromClient);
          long delay = delayNanos;
          if (delay > 0) {
            Thread.sleep(delay / 1_000_000, (int) (delay % 1_000_000));
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (SocketException e) {
        reset = !closing; // a reset on one side is passed on as a reset
      } catch (IOException e) {
        reset = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      close(reset);
    }

    void close(boolean reset) {
      closing = true;
      if (finished.getAndIncrement() > 0 && !reset) {
        return;
      }
      links.remove(this);
      if (reset) {
        abort(client);
        abort(upstream);
      } else {
        quietClose(client);
        quietClose(upstream);
      }
    }

    private void quietClose(Socket s) {
      try {
        s.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
  }

  /** Stops accepting, closes every connection and wakes frozen pumps. */
  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    List<Link> all = new ArrayList<>(links);
    for (Link l : all) {
      l.close(false);
    }
    thaw();
    try {
      acceptThread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
