package io.imlink.api.spi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import io.imlink.api.Limits;
import io.imlink.api.tls.ClientTls;
import io.imlink.api.tls.ServerTls;
import javax.net.ssl.SSLContext;

/**
 * Settings shared by every transport, plus transport-specific properties. Immutable; build with
 * {@link #builder()}.
 *
 * <p>Thread safety: immutable, usable from any thread.
 */
public final class TransportOptions {

  /** The default maximum frame size: 256 KiB. */
  public static final int DEFAULT_MAX_FRAME_SIZE = Limits.MAX_FRAME_BYTES;

  /** The default timeout for opening a connection: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** The default handshake timeout of a server: 10 seconds, as the reference server's authentication timeout. */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * The default write budget of a server connection: 4 MiB of frames queued for the peer and not
   * yet written: 16 frames of the largest size.
   */
  public static final long DEFAULT_MAX_PENDING_BYTES = 4L * 1024 * 1024;

  private static final TransportOptions DEFAULTS = builder().build();

  private final int maxFrameSize;
  private final Duration connectTimeout;
  private final Duration handshakeTimeout;
  private final long maxPendingBytes;
  private final SSLContext sslContext;
  private final ServerTls serverTls;
  private final ClientTls clientTls;
  private final Map<String, String> properties;

  private TransportOptions(Builder b) {
    this.maxFrameSize = b.maxFrameSize;
    this.connectTimeout = b.connectTimeout;
    this.handshakeTimeout = b.handshakeTimeout;
    this.maxPendingBytes = b.maxPendingBytes;
    this.sslContext = b.sslContext;
    this.serverTls = b.serverTls;
    this.clientTls = b.clientTls;
    this.properties = Map.copyOf(b.properties);
  }

  /** The options with every default. */
  public static TransportOptions defaults() {
    return DEFAULTS;
  }

  /** A new builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxFrameSize = maxFrameSize;
    b.connectTimeout = connectTimeout;
    b.handshakeTimeout = handshakeTimeout;
    b.maxPendingBytes = maxPendingBytes;
    b.sslContext = sslContext;
    b.serverTls = serverTls;
    b.clientTls = clientTls;
    b.properties.putAll(properties);
    return b;
  }

  /** The largest frame, in bytes, sent or accepted; larger ones are refused before buffering. */
  public int maxFrameSize() {
    return maxFrameSize;
  }

  /** How long a client connect (including any transport handshake) may take. */
  public Duration connectTimeout() {
    return connectTimeout;
  }

  /**
   * How long a server gives each connection, from its TCP accept, to complete the transport's
   * handshake and be handed to the {@link AcceptHandler}: the TLS handshake, the WebSocket upgrade,
   * the HTTP/2 preface and the opening of a gRPC stream. A connection that has not is closed,
   * unseen by the handler, so that a peer cannot hold a socket open without the application ever
   * knowing of it; from the hand-over on, the application times the connection (the reference
   * server's authentication timeout). A transport that hands a connection over at accept (TCP) has
   * nothing to time. Server side only; clients are bound by {@link #connectTimeout()}.
   */
  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  /**
   * The write budget of each server connection: the most bytes of frames it may hold queued for the
   * peer and not yet written to the socket. A peer that reads so slowly that a send would take a
   * connection over it is dropped: the transport closes the connection abruptly, discarding what
   * was queued, and reports a {@link WriteBudget.ExceededException} as the cause of {@link
   * FrameHandler#onClosed}. Every transport checks it with {@link WriteBudget}. Server side only;
   * client connections are not bounded by it.
   */
  public long maxPendingBytes() {
    return maxPendingBytes;
  }

  /**
   * The TLS context for secure schemes ({@code tcps}, {@code wss}, {@code grpcs}); empty means the
   * JDK default for {@code wss} and {@code grpcs} clients, and is an error for a {@code tcps} client
   * and for every secure server (the engine always sets one: {@code ImEngine.Builder.tls}).
   */
  public Optional<SSLContext> sslContext() {
    return Optional.ofNullable(sslContext);
  }

  /**
   * The server identity behind {@link #sslContext()}, when it was set with {@link
   * Builder#tls(ServerTls)}: for a transport on a TLS implementation other than the JDK's (OpenSSL),
   * which needs its key manager and protocols rather than a JDK context. Empty when the context was
   * given bare ({@link Builder#sslContext}).
   */
  public Optional<ServerTls> serverTls() {
    return Optional.ofNullable(serverTls);
  }

  /**
   * The client trust behind {@link #sslContext()}, when it was set with {@link
   * Builder#tls(ClientTls)}: as {@link #serverTls()}, with its trust manager. Empty when the context
   * was given bare.
   */
  public Optional<ClientTls> clientTls() {
    return Optional.ofNullable(clientTls);
  }

  /** A transport-specific property, such as {@code websocket.path}. */
  public Optional<String> property(String key) {
    return Optional.ofNullable(properties.get(key));
  }

  /** Every transport-specific property. */
  public Map<String, String> properties() {
    return properties;
  }

  @Override
  public String toString() {
    return "TransportOptions{maxFrameSize="
        + maxFrameSize
        + ", connectTimeout="
        + connectTimeout
        + ", handshakeTimeout="
        + handshakeTimeout
        + ", maxPendingBytes="
        + maxPendingBytes
        + ", tls="
        + (sslContext == null ? "none" : serverTls != null ? serverTls : clientTls != null ? clientTls : "context")
        + ", properties="
        + new TreeMap<>(properties)
        + "}";
  }

  /** Builds {@link TransportOptions}. Not thread-safe. */
  public static final class Builder {
    private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    private long maxPendingBytes = DEFAULT_MAX_PENDING_BYTES;
    private SSLContext sslContext;
    private ServerTls serverTls;
    private ClientTls clientTls;
    private final Map<String, String> properties = new TreeMap<>();

    private Builder() {}

    /**
     * @param bytes the largest frame sent or accepted; at least 1
     */
    public Builder maxFrameSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxFrameSize must be at least 1 byte, got " + bytes);
      }
      this.maxFrameSize = bytes;
      return this;
    }

    /**
     * @param timeout how long a client connect may take; positive
     */
    public Builder connectTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "connectTimeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("connectTimeout must be positive, got " + timeout);
      }
      this.connectTimeout = timeout;
      return this;
    }

    /**
     * @param timeout how long a server gives a connection to complete the transport's handshake;
     *     positive (see {@link TransportOptions#handshakeTimeout()})
     */
    public Builder handshakeTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "handshakeTimeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("handshakeTimeout must be positive, got " + timeout);
      }
      this.handshakeTimeout = timeout;
      return this;
    }

    /**
     * @param bytes the write budget of each server connection (see {@link
     *     TransportOptions#maxPendingBytes()}); at least the maximum frame size at {@link #build()},
     *     so that one frame of the largest size always fits
     */
    public Builder maxPendingBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxPendingBytes must be at least 1 byte, got " + bytes);
      }
      this.maxPendingBytes = bytes;
      return this;
    }

    /**
     * The TLS context for secure schemes; null for the default. A bare context leaves transports
     * only the JDK's TLS; {@link #tls(ServerTls)} and {@link #tls(ClientTls)} also let them use
     * OpenSSL. Replaces any identity or trust set by those.
     */
    public Builder sslContext(SSLContext context) {
      this.sslContext = context;
      this.serverTls = null;
      this.clientTls = null;
      return this;
    }

    /** A server's identity: its {@link ServerTls#sslContext()}, and its key manager for OpenSSL. */
    public Builder tls(ServerTls tls) {
      this.sslContext = tls.sslContext();
      this.serverTls = tls;
      this.clientTls = null;
      return this;
    }

    /** A client's trust: its {@link ClientTls#sslContext()}, and its trust manager for OpenSSL. */
    public Builder tls(ClientTls tls) {
      this.sslContext = tls.sslContext();
      this.clientTls = tls;
      this.serverTls = null;
      return this;
    }

    /** Sets a transport-specific property; a null value removes it. */
    public Builder property(String key, String value) {
      Objects.requireNonNull(key, "key");
      if (value == null) {
        properties.remove(key);
      } else {
        properties.put(key, value);
      }
      return this;
    }

    /**
     * @throws IllegalArgumentException if {@code maxPendingBytes} is below {@code maxFrameSize}
     */
    public TransportOptions build() {
      if (maxPendingBytes < maxFrameSize) {
        throw new IllegalArgumentException("maxPendingBytes (" + maxPendingBytes
            + ") must be at least maxFrameSize (" + maxFrameSize + "): one frame of the largest size must fit");
      }
      return new TransportOptions(this);
    }
  }
}
