package io.imlink.api.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PemTest {
  private static final Path SOURCE = Path.of("key.pem");

  private static byte[] pem(String type, byte[] der) {
    return ("-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void readsPkcs8KeysOfEveryCommonAlgorithm() throws Exception {
    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
      KeyPair pair = KeyPairGenerator.getInstance(algorithm).generateKeyPair();
      PrivateKey read = Pem.privateKey(pem("PRIVATE KEY", pair.getPrivate().getEncoded()), SOURCE);
      assertThat(read.getEncoded()).as(algorithm).isEqualTo(pair.getPrivate().getEncoded());
    }
  }

  @Test
  void readsPkcs1RsaKeys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    KeyPair pair = g.generateKeyPair();
    byte[] pkcs8 = pair.getPrivate().getEncoded();
    // PKCS#8 = SEQUENCE { INTEGER 0, AlgorithmIdentifier (15 bytes), OCTET STRING { PKCS#1 } }: for a
    // 2048-bit key the OCTET STRING's header (04 82 hi lo) ends at byte 26.
    assertThat(pkcs8[22]).isEqualTo((byte) 0x04);
    byte[] pkcs1 = Arrays.copyOfRange(pkcs8, 26, pkcs8.length);
    PrivateKey read = Pem.privateKey(pem("RSA PRIVATE KEY", pkcs1), SOURCE);
    assertThat(read.getEncoded()).isEqualTo(pkcs8);
  }

  @Test
  void keysItCannotReadAreRefusedWithTheConversion() {
    assertThatThrownBy(() -> Pem.privateKey(pem("EC PRIVATE KEY", new byte[] {1, 2, 3}), SOURCE))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt -in key.pem");
    assertThatThrownBy(() -> Pem.privateKey(pem("ENCRYPTED PRIVATE KEY", new byte[] {1, 2, 3}), SOURCE))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("encrypted");
    assertThatThrownBy(() -> Pem.privateKey(pem("PRIVATE KEY", new byte[] {1, 2, 3}), SOURCE))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("not support");
    assertThatThrownBy(() -> Pem.privateKey("no pem here".getBytes(), SOURCE))
        .isInstanceOf(GeneralSecurityException.class)
        .hasMessageContaining("holds no PEM private key");
    assertThatThrownBy(() -> Pem.certificates("-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----".getBytes(), SOURCE))
        .isInstanceOf(GeneralSecurityException.class);
  }
}
