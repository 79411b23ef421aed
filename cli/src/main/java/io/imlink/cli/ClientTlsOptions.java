package io.imlink.cli;

import io.imlink.api.tls.ClientTls;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * How a client command trusts a TLS server ({@code tcps://}, {@code wss://}, {@code grpcs://},
 * {@code https://}): the system trust store, or {@code --tls-ca} files instead; and optional
 * {@code --tls-pin}s. Host names are always verified.
 *
 * <p>Thread: the command's thread, once per run; reading the files blocks briefly.
 */
final class ClientTlsOptions {
  @Option(names = "--tls-ca", paramLabel = "PEM",
      description = "Trust the CA certificates in this PEM file instead of the system's; repeatable.")
  List<Path> authorities = List.of();

  @Option(names = "--tls-pin", paramLabel = "sha256/BASE64",
      description = "Also require this public key in the server's chain (the server prints its pin); repeatable.")
  List<String> pins = List.of();

  /**
   * The trust the options give (the system's when none).
   *
   * @throws IllegalArgumentException a file that cannot be read or holds no certificate, or a bad pin
   */
  ClientTls resolve() {
    ClientTls.Builder b = ClientTls.builder();
    authorities.forEach(b::trustPem);
    pins.forEach(b::pin);
    try {
      return b.build();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --tls-ca: " + e, e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("unusable --tls-ca: " + e.getMessage(), e);
    }
  }
}
