package io.imlink.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay for tests: accepts on one address and pipes each connection, both ways, to a target.
 * It lets processes in a network namespace reach a server that listens on the root namespace's
 * loopback only (the embedded PostgreSQL), without reconfiguring that server.
 *
 * <p>Thread safety: {@link #close} from any thread. Runs on daemon threads of its own: one accepts,
 * two per relayed connection copy (blocking reads).
 */
final class TcpRelay implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  /** Starts relaying {@code listen}:{@code port} (0: any free port) to {@code target}. */
  TcpRelay(InetAddress listen, int port, InetSocketAddress target) throws IOException {
    this.target = target;
    server = new ServerSocket(port, 50, listen);
    daemon(this::accept, "relay-accept-" + server.getLocalSocketAddress());
  }

  /** The port it accepts on. */
  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket in = server.accept();
        Socket out = new Socket();
        sockets.add(in);
        sockets.add(out);
        try {
          out.connect(target, 5_000);
        } catch (IOException e) {
          in.close();
          out.close();
          continue;
        }
        in.setTcpNoDelay(true);
        out.setTcpNoDelay(true);
        daemon(() -> pipe(in, out), "relay-in");
        daemon(() -> pipe(out, in), "relay-out");
      } catch (IOException closed) {
        return; // closed
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        out.write(buffer, 0, n);
      }
    } catch (IOException ignored) {
      // either side closed
    } finally {
      closeQuietly(from);
      closeQuietly(to);
      sockets.remove(from);
      sockets.remove(to);
    }
  }

  private static void daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
