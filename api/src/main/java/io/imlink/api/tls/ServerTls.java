package io.imlink.api.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * A server's TLS identity from two PEM files, a certificate chain (leaf first) and its private key,
 * shared by every listener of a server ({@code tcps}, {@code wss}, {@code grpcs} and the HTTPS API),
 * and reloaded when the files change: each TLS handshake looks at the files at most once per {@code
 * recheck} period, and a changed pair that is valid serves every new connection from then on, while
 * a changed pair that is not (half-written, a key that does not match, an expired certificate) is
 * reported once through {@link System.Logger} and the pair in use stays. Connections already open
 * keep the certificate they were opened with. Only TLS 1.3 and 1.2 are offered.
 *
 * <p>Thread safety: safe for use by any number of threads; handshakes that find the files changed
 * read them (a few KB) on the handshaking thread. {@link #fromPem} reads and checks the files on
 * the calling thread and fails early with what is wrong.
 */
public final class ServerTls {
  /** How often, at most, handshakes look at the files for a change: 1 second. */
  public static final Duration DEFAULT_RECHECK = Duration.ofSeconds(1);

  private static final System.Logger log = System.getLogger(ServerTls.class.getName());

  private final Path chainFile;
  private final Path keyFile;
  private final Clock clock;
  private final long recheckMillis;
  private final ReloadingKeyManager keys;
  private final SSLContext context;

  private ServerTls(Path chainFile, Path keyFile, Clock clock, Duration recheck) throws GeneralSecurityException, IOException {
    this.chainFile = chainFile;
    this.keyFile = keyFile;
    this.clock = clock;
    this.recheckMillis = recheck.toMillis();
    this.keys = new ReloadingKeyManager(load(Files.readAllBytes(chainFile), Files.readAllBytes(keyFile), 1));
    this.context = Policy.wrap(Policy.newContext(new KeyManager[] {keys}, null), false);
  }

  /**
   * The identity in {@code certificateChain} and {@code privateKey}, reloaded as described above.
   *
   * @throws IOException a file cannot be read
   * @throws GeneralSecurityException the files hold no certificate or key, the key does not belong
   *     to the leaf certificate, or the leaf certificate is expired or not yet valid; the message says
   *     which
   */
  public static ServerTls fromPem(Path certificateChain, Path privateKey) throws IOException, GeneralSecurityException {
    return fromPem(certificateChain, privateKey, Clock.systemUTC(), DEFAULT_RECHECK);
  }

  /** As {@link #fromPem(Path, Path)}, with the clock that times rechecks and validity, and the recheck period. */
  public static ServerTls fromPem(Path certificateChain, Path privateKey, Clock clock, Duration recheck)
      throws IOException, GeneralSecurityException {
    Objects.requireNonNull(certificateChain, "certificateChain");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(clock, "clock");
    if (recheck.isNegative()) {
      throw new IllegalArgumentException("recheck must not be negative, got " + recheck);
    }
    return new ServerTls(certificateChain, privateKey, clock, recheck);
  }

  /** The context every listener uses; its engines offer only TLS 1.3 and 1.2. */
  public SSLContext sslContext() {
    return context;
  }

  /**
   * The key manager behind {@link #sslContext()}, which reloads as described above, for a
   * transport on another TLS implementation (OpenSSL) that asks it for the alias, chain and key at
   * each handshake. Such a transport must also offer only {@link #protocols()}.
   */
  public X509ExtendedKeyManager keyManager() {
    return keys;
  }

  /** The TLS versions allowed, newest first: {@code TLSv1.3} and {@code TLSv1.2}. */
  public List<String> protocols() {
    return Policy.protocols();
  }

  /** The leaf certificate served to new connections now (after any reload). */
  public X509Certificate certificate() {
    return keys.current.chain[0];
  }

  /** The certificate chain file. */
  public Path certificateChainFile() {
    return chainFile;
  }

  /** The private key file. */
  public Path privateKeyFile() {
    return keyFile;
  }

  @Override
  public String toString() {
    return "ServerTls{" + chainFile + ", " + keyFile + ", " + certificate().getSubjectX500Principal() + "}";
  }

  private Identity load(byte[] chainPem, byte[] keyPem, long generation) throws GeneralSecurityException {
    List<X509Certificate> chain = Pem.certificates(chainPem, chainFile);
    PrivateKey key = Pem.privateKey(keyPem, keyFile);
    X509Certificate leaf = chain.get(0);
    try {
      leaf.checkValidity(Date.from(clock.instant()));
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new GeneralSecurityException(chainFile + ": the certificate " + leaf.getSubjectX500Principal()
          + " is valid from " + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant()
          + ", not at " + clock.instant(), e);
    }
    requireMatch(key, leaf);
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (IOException impossible) {
      throw new GeneralSecurityException(impossible);
    }
    char[] password = "imlink".toCharArray(); // in memory only
    store.setKeyEntry("imlink-" + generation, key, password, chain.toArray(new X509Certificate[0]));
    KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
    factory.init(store, password);
    for (KeyManager m : factory.getKeyManagers()) {
      if (m instanceof X509ExtendedKeyManager x) {
        return new Identity(chainPem, keyPem, generation, chain.toArray(new X509Certificate[0]), x);
      }
    }
    throw new GeneralSecurityException("this JDK's PKIX key manager is not an X509ExtendedKeyManager");
  }

  /** Signs with {@code key} and verifies with the certificate's public key. */
  private void requireMatch(PrivateKey key, X509Certificate leaf) throws GeneralSecurityException {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
      default -> null;
    };
    if (algorithm == null || !key.getAlgorithm().equals(leaf.getPublicKey().getAlgorithm())) {
      throw new GeneralSecurityException(keyFile + " holds a " + key.getAlgorithm() + " key, but the certificate "
          + leaf.getSubjectX500Principal() + " in " + chainFile + " has a " + leaf.getPublicKey().getAlgorithm() + " key");
    }
    byte[] probe = new byte[32];
    new SecureRandom().nextBytes(probe);
    Signature signer = Signature.getInstance(algorithm);
    signer.initSign(key);
    signer.update(probe);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance(algorithm);
    verifier.initVerify(leaf.getPublicKey());
    verifier.update(probe);
    if (!verifier.verify(signature)) {
      throw new GeneralSecurityException(keyFile + " is not the private key of the certificate "
          + leaf.getSubjectX500Principal() + " in " + chainFile);
    }
  }

  /** One loaded pair; its key manager's only alias is {@code imlink-<generation>}. */
  private record Identity(byte[] chainPem, byte[] keyPem, long generation, X509Certificate[] chain, X509ExtendedKeyManager keys) {}

  /**
   * Serves the current identity; rechecks the files on handshakes. Aliases carry the generation, so
   * that a handshake that chose an alias before a reload still finds that alias's chain and key.
   */
  private final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private volatile Identity current;
    private volatile Identity previous;
    private volatile long nextCheck;
    private volatile byte[] refusedChain;
    private volatile byte[] refusedKey;

    ReloadingKeyManager(Identity first) {
      this.current = first;
      this.previous = first;
      this.nextCheck = clock.millis() + recheckMillis;
    }

    private X509KeyManager fresh() {
      long now = clock.millis();
      if (now >= nextCheck) {
        synchronized (this) {
          if (now >= nextCheck) {
            nextCheck = now + recheckMillis;
            recheck();
          }
        }
      }
      return current.keys;
    }

    private void recheck() {
      byte[] chainPem;
      byte[] keyPem;
      try {
        chainPem = Files.readAllBytes(chainFile);
        keyPem = Files.readAllBytes(keyFile);
      } catch (IOException e) {
        log.log(System.Logger.Level.WARNING, "TLS files unreadable, keeping the certificate in use: " + e);
        return;
      }
      Identity now = current;
      if (Arrays.equals(chainPem, now.chainPem) && Arrays.equals(keyPem, now.keyPem)) {
        return;
      }
      if (Arrays.equals(chainPem, refusedChain) && Arrays.equals(keyPem, refusedKey)) {
        return; // already said
      }
      try {
        Identity next = load(chainPem, keyPem, now.generation + 1);
        previous = now;
        current = next;
        log.log(System.Logger.Level.INFO, "TLS certificate reloaded: " + next.chain[0].getSubjectX500Principal()
            + ", valid to " + next.chain[0].getNotAfter().toInstant());
      } catch (GeneralSecurityException e) {
        refusedChain = chainPem;
        refusedKey = keyPem;
        log.log(System.Logger.Level.WARNING, "TLS files changed but are not usable, keeping the certificate in use: "
            + e.getMessage());
      }
    }

    private X509KeyManager owner(String alias) {
      Identity c = current;
      if (alias != null && alias.endsWith("imlink-" + c.generation)) {
        return c.keys;
      }
      return previous.keys;
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return ((X509ExtendedKeyManager) fresh()).chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return fresh().chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return fresh().getServerAliases(keyType, issuers);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return owner(alias).getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return owner(alias).getPrivateKey(alias);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return null;
    }
  }
}
