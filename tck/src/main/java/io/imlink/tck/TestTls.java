package io.imlink.tck;

import io.imlink.api.tls.ClientTls;
import io.imlink.api.tls.ServerTls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test certificate authority and a server certificate it signed, made with the JDK's {@code
 * keytool}: as PEM files (the chain, the key and the CA, as an operator has them) and as the TLS
 * contexts of a server presenting the chain and a client trusting only the CA. By default the
 * certificate names {@code localhost} and {@code 127.0.0.1} and is valid from a minute ago for two
 * days; {@link Options} makes other names, or an expired one.
 *
 * <p>Thread: immutable once made; {@link #create} blocks while keytool runs (about a second for
 * each of its five runs), so suites share one through {@link SharedTls}.
 */
public final class TestTls {
  private static final char[] PASSWORD = "changeit".toCharArray();

  private final Path certificatePem;
  private final Path privateKeyPem;
  private final Path caCertificatePem;
  private final X509Certificate certificate;
  private final X509Certificate caCertificate;
  private final SSLContext server;
  private final SSLContext client;
  private final ClientTls clientTls;
  private ServerTls serverTls; // guarded by this

  private TestTls(Path certificatePem, Path privateKeyPem, Path caCertificatePem, X509Certificate certificate,
      X509Certificate caCertificate, SSLContext server, SSLContext client) throws IOException, GeneralSecurityException {
    this.certificatePem = certificatePem;
    this.privateKeyPem = privateKeyPem;
    this.caCertificatePem = caCertificatePem;
    this.certificate = certificate;
    this.caCertificate = caCertificate;
    this.server = server;
    this.client = client;
    this.clientTls = ClientTls.builder().trust(caCertificate).build();
  }

  /**
   * What the server certificate says: its names, in keytool's form ({@code
   * dns:example.org,ip:10.0.0.1}), and whether it is expired. Equal options make equal-looking
   * certificates (each from its own CA), which is how {@link SharedTls} shares them.
   */
  public record Options(String subjectAlternativeNames, boolean expired) {
    public Options {
      Objects.requireNonNull(subjectAlternativeNames, "subjectAlternativeNames");
    }

    /** {@code localhost} and {@code 127.0.0.1}, valid now. */
    public static Options defaults() {
      return new Options("dns:localhost,ip:127.0.0.1", false);
    }

    /** Other names. */
    public Options withNames(String names) {
      return new Options(names, expired);
    }

    /** Valid for one day that ended two days ago. */
    public Options withExpired() {
      return new Options(subjectAlternativeNames, true);
    }
  }

  /** A CA and a certificate for {@code localhost}/{@code 127.0.0.1}, in {@code directory}. */
  public static TestTls create(Path directory) throws IOException, GeneralSecurityException, InterruptedException {
    return create(directory, Options.defaults());
  }

  /** A CA and a certificate as {@code options} say, in {@code directory} (blocks while keytool runs). */
  public static TestTls create(Path directory, Options options)
      throws IOException, GeneralSecurityException, InterruptedException {
    Path dir = Files.createDirectories(directory).resolve("tls-" + System.nanoTime());
    Files.createDirectory(dir);
    Path caStore = dir.resolve("ca.p12");
    Path serverStore = dir.resolve("server.p12");
    Path request = dir.resolve("server.csr");
    Path signed = dir.resolve("server-only.pem");
    Path caPem = dir.resolve("ca.pem");
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=imlink test CA " + dir.getFileName(),
        "-ext", "bc:c", "-validity", "30", "-startdate", "-1d", "-storetype", "PKCS12", "-keystore", caStore.toString());
    keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(), "-file", caPem.toString());
    keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-validity", "30", "-storetype", "PKCS12", "-keystore", serverStore.toString());
    keytool("-certreq", "-alias", "server", "-keystore", serverStore.toString(), "-file", request.toString());
    List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", caStore.toString(),
        "-infile", request.toString(), "-outfile", signed.toString(), "-ext", "SAN=" + options.subjectAlternativeNames(),
        "-ext", "EKU=serverAuth"));
    sign.addAll(options.expired() ? List.of("-startdate", "-3d", "-validity", "1") : List.of("-startdate", "-1M", "-validity", "2"));
    keytool(sign.toArray(String[]::new));

    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    X509Certificate leaf = (X509Certificate) x509.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(signed)));
    X509Certificate ca = (X509Certificate) x509.generateCertificate(new ByteArrayInputStream(Files.readAllBytes(caPem)));
    KeyStore serverKeys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(serverStore)) {
      serverKeys.load(in, PASSWORD);
    }
    PrivateKey key = (PrivateKey) serverKeys.getKey("server", PASSWORD);

    Path chainPem = dir.resolve("chain.pem");
    Files.write(chainPem, (pem("CERTIFICATE", leaf.getEncoded()) + pem("CERTIFICATE", ca.getEncoded()))
        .getBytes(StandardCharsets.US_ASCII));
    Path keyPem = dir.resolve("key.pem");
    Files.write(keyPem, pem("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII));

    KeyStore presented = KeyStore.getInstance("PKCS12");
    presented.load(null, null);
    presented.setKeyEntry("imlink", key, PASSWORD, new X509Certificate[] {leaf, ca});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(presented, PASSWORD);
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(kmf.getKeyManagers(), null, null);

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, tmf.getTrustManagers(), null);
    return new TestTls(chainPem, keyPem, caPem, leaf, ca, server, client);
  }

  private static void keytool(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    command.addAll(List.of("-storepass", new String(PASSWORD), "-noprompt"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** The server's chain as PEM: its certificate, then the CA's. */
  public Path certificatePem() {
    return certificatePem;
  }

  /** The server's private key as unencrypted PKCS#8 PEM. */
  public Path privateKeyPem() {
    return privateKeyPem;
  }

  /** The CA's certificate as PEM, for a client to trust. */
  public Path caCertificatePem() {
    return caCertificatePem;
  }

  /** The server's certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The CA's certificate. */
  public X509Certificate caCertificate() {
    return caCertificate;
  }

  /**
   * The server's identity as an app's server gives it, from the PEM files ({@link
   * ServerTls#fromPem}), made once; an expired certificate has none (use {@link #serverContext()}).
   *
   * @throws IllegalStateException the certificate is expired
   */
  public synchronized ServerTls serverTls() {
    if (serverTls == null) {
      try {
        serverTls = ServerTls.fromPem(certificatePem, privateKeyPem);
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException("no ServerTls for " + certificatePem + ": " + e.getMessage(), e);
      }
    }
    return serverTls;
  }

  /** The server's context: presents the chain. */
  public SSLContext serverContext() {
    return server;
  }

  /** A plain client context that trusts only the CA (no host name check of its own). */
  public SSLContext clientContext() {
    return client;
  }

  /** The client configuration an app would use: trusts the CA, host names verified. */
  public ClientTls clientTls() {
    return clientTls;
  }
}
