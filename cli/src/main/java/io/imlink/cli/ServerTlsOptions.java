package io.imlink.cli;

import io.imlink.api.tls.ServerTls;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import picocli.CommandLine.Option;

/**
 * The server's certificate: {@code --tls-cert} and {@code --tls-key}, PEM files, given both or
 * neither. With them every {@code tcps}, {@code wss} and {@code grpcs} listener and the HTTP API
 * (then HTTPS) present the certificate, reloaded when the files change.
 *
 * <p>Thread: the command's thread, once per run; reading the files blocks briefly.
 */
final class ServerTlsOptions {
  @Option(names = "--tls-cert", paramLabel = "PEM",
      description = "The certificate chain, leaf first (PEM); with --tls-key. Reloaded when the files change.")
  Path certificate;

  @Option(names = "--tls-key", paramLabel = "PEM",
      description = "The certificate's private key (PEM, PKCS#8 or PKCS#1, unencrypted; keep it owner-only).")
  Path key;

  /**
   * The TLS identity given, or null if none.
   *
   * @throws IllegalArgumentException one option without the other, or files that are unreadable or
   *     not a matching, valid certificate and key (the message says which)
   */
  ServerTls resolve() {
    if ((certificate == null) != (key == null)) {
      throw new IllegalArgumentException("give --tls-cert and --tls-key together");
    }
    if (certificate == null) {
      return null;
    }
    try {
      return ServerTls.fromPem(certificate, key);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the TLS files: " + e, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("unusable TLS files: " + e.getMessage(), e);
    }
  }
}
