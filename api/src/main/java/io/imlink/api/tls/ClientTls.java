package io.imlink.api.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * How a client trusts servers: the system trust store by default, or the certificate authorities
 * given; host name verification always on; TLS 1.3 and 1.2 only; and optionally certificate
 * pinning, where a server must also present, somewhere in its verified chain, a public key whose
 * SHA-256 is one of the pins ({@code sha256/<base64>}, as OkHttp and HPKP spell them; {@link
 * #pinOf} computes one). Hand {@link #sslContext()} to the engine's {@code TransportOptions}.
 *
 * <p>Thread safety: immutable once built; the context is usable by any number of connections.
 */
public final class ClientTls {
  private final SSLContext context;
  private final X509ExtendedTrustManager trust;
  private final Set<String> pins;

  private ClientTls(SSLContext context, X509ExtendedTrustManager trust, Set<String> pins) {
    this.context = context;
    this.trust = trust;
    this.pins = pins;
  }

  /** A new builder: the system trust store, no pins. */
  public static Builder builder() {
    return new Builder();
  }

  /** The system trust store, no pins; made once per class loader, on first use (immutable). */
  public static ClientTls systemDefault() {
    return SystemDefault.INSTANCE;
  }

  private static final class SystemDefault {
    static final ClientTls INSTANCE;

    static {
      try {
        INSTANCE = builder().build();
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException("the JDK's default trust store cannot be loaded: " + e.getMessage(), e);
      }
    }
  }

  /** The context for the client's transports. */
  public SSLContext sslContext() {
    return context;
  }

  /**
   * The trust manager behind {@link #sslContext()} (chain verification, then any pins), for a
   * transport on another TLS implementation (OpenSSL). Such a transport must also offer only {@link
   * #protocols()} and turn on {@code HTTPS} endpoint identification on each engine, as this
   * context's engines do.
   */
  public X509ExtendedTrustManager trustManager() {
    return trust;
  }

  /** The TLS versions allowed, newest first: {@code TLSv1.3} and {@code TLSv1.2}. */
  public List<String> protocols() {
    return Policy.protocols();
  }

  @Override
  public String toString() {
    return "ClientTls{pins=" + pins.size() + "}";
  }

  /** The pins, empty for none. */
  public Set<String> pins() {
    return pins;
  }

  /** The pin of {@code certificate}: {@code sha256/} and the base64 SHA-256 of its SubjectPublicKeyInfo. */
  public static String pinOf(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
      return "sha256/" + Base64.getEncoder().encodeToString(digest);
    } catch (java.security.NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** Builds a {@link ClientTls}. Not thread-safe. */
  public static final class Builder {
    private final List<Path> authorities = new ArrayList<>();
    private final List<X509Certificate> certificates = new ArrayList<>();
    private final Set<String> pins = new LinkedHashSet<>();

    private Builder() {}

    /** Trusts the certificates in this PEM file instead of the system trust store (repeatable). */
    public Builder trustPem(Path caCertificates) {
      authorities.add(Objects.requireNonNull(caCertificates, "caCertificates"));
      return this;
    }

    /** Trusts {@code certificate} instead of the system trust store (repeatable). */
    public Builder trust(X509Certificate certificate) {
      certificates.add(Objects.requireNonNull(certificate, "certificate"));
      return this;
    }

    /**
     * Requires one of the pinned keys in the server's verified chain (repeatable; any one
     * suffices). Pinning adds to verification, it never replaces it.
     *
     * @param pin {@code sha256/} followed by the base64 of a 32-byte SHA-256
     */
    public Builder pin(String pin) {
      Objects.requireNonNull(pin, "pin");
      byte[] digest = null;
      if (pin.startsWith("sha256/")) {
        try {
          digest = Base64.getDecoder().decode(pin.substring("sha256/".length()));
        } catch (IllegalArgumentException bad) {
          digest = null;
        }
      }
      if (digest == null || digest.length != 32) {
        throw new IllegalArgumentException("a pin is sha256/ and the base64 of a SHA-256 (44 characters), got '" + pin + "'");
      }
      pins.add(pin);
      return this;
    }

    /**
     * @throws IOException a trust file cannot be read
     * @throws GeneralSecurityException a trust file holds no certificate
     */
    public ClientTls build() throws IOException, GeneralSecurityException {
      KeyStore anchors = null;
      if (!authorities.isEmpty() || !certificates.isEmpty()) {
        anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        List<X509Certificate> all = new ArrayList<>(certificates);
        for (Path p : authorities) {
          all.addAll(Pem.certificates(Files.readAllBytes(p), p));
        }
        for (int i = 0; i < all.size(); i++) {
          anchors.setCertificateEntry("ca-" + i, all.get(i));
        }
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(anchors);
      X509ExtendedTrustManager verified = null;
      for (TrustManager m : factory.getTrustManagers()) {
        if (m instanceof X509ExtendedTrustManager x) {
          verified = x;
        }
      }
      if (verified == null) {
        throw new GeneralSecurityException("this JDK's trust manager is not an X509ExtendedTrustManager");
      }
      Set<String> pinned = Set.copyOf(pins);
      X509ExtendedTrustManager trust = pinned.isEmpty() ? verified : new Pinning(verified, pinned);
      return new ClientTls(Policy.wrap(Policy.newContext(null, new TrustManager[] {trust}), true), trust, pinned);
    }
  }

  /** Verifies as the JDK does (chain and host name), then requires a pinned key in the chain. */
  private static final class Pinning extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager verified;
    private final Set<String> pins;

    Pinning(X509ExtendedTrustManager verified, Set<String> pins) {
      this.verified = verified;
      this.pins = pins;
    }

    private void requirePin(X509Certificate[] chain) throws CertificateException {
      List<String> seen = new ArrayList<>();
      for (X509Certificate c : chain) {
        String pin = pinOf(c);
        if (pins.contains(pin)) {
          return;
        }
        seen.add(pin + " (" + c.getSubjectX500Principal() + ")");
      }
      throw new CertificateException("certificate pinning failure: the server's chain " + seen
          + " holds none of the pinned keys " + pins);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      verified.checkServerTrusted(chain, authType, socket);
      requirePin(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      verified.checkServerTrusted(chain, authType, engine);
      requirePin(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      verified.checkServerTrusted(chain, authType);
      requirePin(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      verified.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      verified.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      verified.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return verified.getAcceptedIssuers();
    }
  }
}
