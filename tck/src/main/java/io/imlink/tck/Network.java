package io.imlink.tck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/** Loopback helpers for tests: free ports and a listener that never completes a connect. */
public final class Network {
  private Network() {}

  /** The loopback address. */
  public static InetAddress loopback() {
    return InetAddress.getLoopbackAddress();
  }

  /** {@code uri} with its host and port replaced by {@code address} (scheme and path kept). */
  public static java.net.URI withAddress(java.net.URI uri, InetSocketAddress address) {
    try {
      return new java.net.URI(
          uri.getScheme(), null, address.getHostString(), address.getPort(), uri.getPath(), null, null);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** A port on loopback where nothing listens (bound, then released). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, loopback())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A loopback listener whose accept queue is full, so that a further connect never completes
   * (the kernel drops its SYN): for testing connect timeouts without a remote network.
   */
  public static final class Blackhole implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    public Blackhole() throws IOException {
      server = new ServerSocket(0, 1, loopback());
      InetSocketAddress address = new InetSocketAddress(loopback(), server.getLocalPort());
      for (int i = 0; i < 16; i++) {
        Socket s = new Socket();
        try {
          s.connect(address, 200);
          fillers.add(s);
        } catch (SocketTimeoutException full) {
          s.close();
          return; // the queue is full: further connects hang
        }
      }
      close();
      throw new IOException("could not fill the accept queue of a loopback listener");
    }

    public int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      for (Socket s : fillers) {
        s.close();
      }
      server.close();
    }
  }
}
