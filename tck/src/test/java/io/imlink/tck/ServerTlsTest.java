package io.imlink.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imlink.api.tls.ClientTls;
import io.imlink.api.tls.ServerTls;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What ServerTls and ClientTls refuse at start, with what is wrong, on real keytool-made files. */
class ServerTlsTest {
  @TempDir Path tmp;

  @Test
  void aServerStartsOnlyWithAUsablePairSayingWhatIsWrong() throws Exception {
    TestTls good = TestTls.create(tmp);
    TestTls other = TestTls.create(tmp);
    TestTls expired = TestTls.create(tmp, TestTls.Options.defaults().withExpired());

    ServerTls ok = ServerTls.fromPem(good.certificatePem(), good.privateKeyPem());
    assertThat(ok.certificate()).isEqualTo(good.certificate());
    assertThat(ok.sslContext().createSSLEngine().getEnabledProtocols()).containsOnly("TLSv1.3", "TLSv1.2");

    assertThatThrownBy(() -> ServerTls.fromPem(good.certificatePem(), other.privateKeyPem()))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining(other.privateKeyPem().toString());
    assertThatThrownBy(() -> ServerTls.fromPem(expired.certificatePem(), expired.privateKeyPem()))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("is valid from");
    assertThatThrownBy(() -> ServerTls.fromPem(good.privateKeyPem(), good.privateKeyPem()))
        .isInstanceOf(GeneralSecurityException.class);
    assertThatThrownBy(() -> ServerTls.fromPem(tmp.resolve("missing.pem"), good.privateKeyPem()))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void aClientTakesCaFilesAndWellFormedPinsOnly() throws Exception {
    TestTls good = TestTls.create(tmp);
    assertThat(ClientTls.builder().trustPem(good.caCertificatePem()).build().sslContext()).isNotNull();
    String pin = ClientTls.pinOf(good.certificate());
    assertThat(pin).startsWith("sha256/").hasSize(7 + 44);
    assertThat(ClientTls.builder().trustPem(good.caCertificatePem()).pin(pin).build().pins()).containsExactly(pin);
    assertThatThrownBy(() -> ClientTls.builder().pin("sha1/abc"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sha256/");
    Path notPem = Files.writeString(tmp.resolve("ca.txt"), "not a certificate");
    assertThatThrownBy(() -> ClientTls.builder().trustPem(notPem).build()).isInstanceOf(GeneralSecurityException.class);
  }
}
