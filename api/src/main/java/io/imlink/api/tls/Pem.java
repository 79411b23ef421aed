package io.imlink.api.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM certificates and private keys with the JDK alone. Keys: PKCS#8 ({@code BEGIN PRIVATE
 * KEY}, RSA, EC, Ed25519/Ed448) and PKCS#1 ({@code BEGIN RSA PRIVATE KEY}); anything else is refused
 * with the {@code openssl} command that converts it.
 *
 * <p>Thread safety: stateless.
 */
final class Pem {
  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----\\s*([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
  private static final String[] KEY_ALGORITHMS = {"RSA", "EC", "Ed25519", "Ed448", "EdDSA"};

  private Pem() {}

  /** The certificates in {@code pem}, in file order (a chain: leaf first). */
  static List<X509Certificate> certificates(byte[] pem, Path source) throws GeneralSecurityException {
    List<X509Certificate> out = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    for (Block b : blocks(pem)) {
      if (b.type.equals("CERTIFICATE")) {
        out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der)));
      }
    }
    if (out.isEmpty()) {
      throw new CertificateException(source + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    }
    return out;
  }

  /** The one private key in {@code pem}. */
  static PrivateKey privateKey(byte[] pem, Path source) throws GeneralSecurityException {
    for (Block b : blocks(pem)) {
      switch (b.type) {
        case "PRIVATE KEY":
          return pkcs8(b.der, source);
        case "RSA PRIVATE KEY":
          return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(rsaPkcs1ToPkcs8(b.der)));
        case "ENCRYPTED PRIVATE KEY":
          throw new GeneralSecurityException(source + " holds an encrypted key; store it unencrypted and owner-only,"
              + " e.g. openssl pkcs8 -topk8 -nocrypt -in " + source + " -out key.pem");
        case "EC PRIVATE KEY":
          throw new GeneralSecurityException(source + " holds a SEC1 EC key; convert it to PKCS#8:"
              + " openssl pkcs8 -topk8 -nocrypt -in " + source + " -out key.pem");
        default:
          break;
      }
    }
    throw new GeneralSecurityException(source + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
  }

  private static PrivateKey pkcs8(byte[] der, Path source) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException notThisOne) {
        // try the next
      }
    }
    throw new GeneralSecurityException(source + ": a PKCS#8 key of an algorithm this JDK does not support");
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, NULL). */
  private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
    byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
        0x01, 0x05, 0x00};
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(algorithm);
    body.writeBytes(der(0x04, pkcs1));
    return der(0x30, body.toByteArray());
  }

  private static byte[] der(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = content.length;
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private record Block(String type, byte[] der) {}

  private static List<Block> blocks(byte[] pem) throws GeneralSecurityException {
    List<Block> out = new ArrayList<>();
    Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
    while (m.find()) {
      try {
        out.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
      } catch (IllegalArgumentException badBase64) {
        throw new GeneralSecurityException("a PEM " + m.group(1) + " block is not valid base64", badBase64);
      }
    }
    return out;
  }
}
