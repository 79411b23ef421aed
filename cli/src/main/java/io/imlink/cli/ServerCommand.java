package io.imlink.cli;

import io.imlink.server.ImServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the reference server until SIGTERM or Ctrl-C. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = "Run the reference server until stopped (SIGTERM or Ctrl-C stop it cleanly).")
final class ServerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--listen", paramLabel = "URI",
      description = "Where clients connect: tcp, tcps, ws, wss, grpc or grpcs://HOST:PORT (the secure ones need"
          + " --tls-cert); repeatable (default: ${DEFAULT-VALUE}).", defaultValue = "tcp://127.0.0.1:8100")
  List<URI> listen;

  @Option(names = "--http", paramLabel = "HOST:PORT",
      description = "Address of the signed HTTP API (default: ${DEFAULT-VALUE}).", defaultValue = "127.0.0.1:8080")
  String http;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where the generated app secret and the sqlite store's files are kept (default: ${DEFAULT-VALUE}).",
      defaultValue = "imlink-server-data")
  Path dataDir;

  @Option(names = "--app-key", description = "The app key (default: generated).")
  String appKey;

  @Mixin AppSecretOption secret; // default: generated, and written to <data-dir>/app-secret

  @Mixin ServerTlsOptions tls;

  @Mixin StoreOptions storage;

  @Mixin ClusterOptions clustering;

  @Option(names = "--token-lifetime", paramLabel = "DURATION",
      description = "Lifetime of new tokens, ISO-8601 (e.g. PT24H); default: permanent.")
  Duration tokenLifetime;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    SecureRandom random = new SecureRandom();
    if (appKey == null) {
      byte[] b = new byte[6];
      random.nextBytes(b);
      appKey = "app-" + HexFormat.of().formatHex(b);
    }
    AppSecretOption.Secret given = BadOptionValue.check(spec, () -> secret.resolve(System::getenv));
    String appSecret;
    String secretShown;
    if (given != null) {
      appSecret = given.value();
      secretShown = switch (given.source()) {
        case FILE -> "from " + secret.file.toAbsolutePath();
        case ENVIRONMENT -> "from $" + AppSecretOption.ENV;
        case COMMAND_LINE -> "from --app-secret";
      };
    } else {
      byte[] b = new byte[18];
      random.nextBytes(b);
      appSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
      Path file = writeSecret(dataDir, appSecret);
      secretShown = "generated, in " + file.toAbsolutePath() + " (readable by its owner only)";
    }
    io.imlink.api.tls.ServerTls certificate = BadOptionValue.check(spec, tls::resolve);
    ImServer.Builder builder = BadOptionValue.check(spec, () -> {
      ImServer.Builder b = ImServer.builder()
          .app(appKey, appSecret)
          .httpApi(parseAddress(http))
          .dataDirectory(dataDir)
          .tokenLifetime(tokenLifetime);
      storage.apply(b, System::getenv);
      clustering.apply(b, storage.store);
      listen.forEach(b::listen);
      if (certificate != null) {
        b.tls(certificate);
      }
      return b;
    });
    ImServer server;
    try {
      server = builder.build().start();
    } catch (IOException e) {
      // The transports' bind errors ("Address already in use") do not always say which address.
      String where = String.join(", ", listen.stream().map(URI::toString).toList());
      throw new IOException("cannot start the server (listening on " + where + ", HTTP API on " + http + "): "
          + e.getMessage(), e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      out.println("stopping…");
      server.close();
      out.println("stopped");
      out.flush();
      stopped.countDown();
    }, "imlink-server-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    for (URI u : server.listenUris()) {
      out.println("listening on " + u);
    }
    out.println("HTTP API on " + server.httpApiUri().orElseThrow());
    out.println("app key    " + appKey);
    out.println("app secret " + secretShown); // never the secret itself
    out.println("data in    " + dataDir.toAbsolutePath());
    out.println("store      " + storage.describe(dataDir));
    out.println("cluster    " + clustering.describe());
    out.println("tokens     " + (tokenLifetime == null ? "permanent" : "live " + tokenLifetime));
    if (certificate != null) {
      out.println("TLS        " + certificate.certificate().getSubjectX500Principal() + ", valid to "
          + certificate.certificate().getNotAfter().toInstant() + ", pin "
          + io.imlink.api.tls.ClientTls.pinOf(certificate.certificate()));
    }
    out.flush();
    stopped.await();
    return 0;
  }

  /** Writes a generated secret to {@code <dir>/app-secret}, readable by its owner only where POSIX. */
  static Path writeSecret(Path dir, String secret) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("app-secret");
    Files.deleteIfExists(file);
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(file); // not a POSIX file system
    }
    Files.writeString(file, secret + "\n");
    return file;
  }

  static InetSocketAddress parseAddress(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--http expects HOST:PORT with a port from 0 to 65535, got '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    return new InetSocketAddress(host, port);
  }
}
