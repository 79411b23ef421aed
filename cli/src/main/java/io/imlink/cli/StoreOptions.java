package io.imlink.cli;

import io.imlink.server.ImServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/**
 * The {@code server} command's storage: {@code --store sqlite} (the default: embedded, in {@code
 * --data-dir}) or {@code --store postgres} with {@code --jdbc-url}, {@code --jdbc-user} and the
 * password from {@code --jdbc-password-file} or {@value #PASSWORD_ENV}. There is no password option:
 * a credential on the command line is visible to every local user in the process list. The file's
 * path, not its content, goes to the store, which reads it; neither is ever printed.
 *
 * <p>Thread: the command's thread, once per run.
 */
final class StoreOptions {
  /** The environment variable read for the database password when no file is given. */
  static final String PASSWORD_ENV = "IMLINK_JDBC_PASSWORD";

  @Option(names = "--store", paramLabel = "NAME",
      description = "Where the server keeps users, messages and inboxes: sqlite (embedded, in --data-dir; one node)"
          + " or postgres (needs --jdbc-url; several servers may share it). Default: ${DEFAULT-VALUE}.",
      defaultValue = "sqlite")
  String store;

  @Option(names = "--jdbc-url", paramLabel = "URL",
      description = "The PostgreSQL database, e.g. jdbc:postgresql://127.0.0.1:5432/imlink (--store postgres;"
          + " no password in it).")
  String jdbcUrl;

  @Option(names = "--jdbc-user", paramLabel = "USER", description = "The database user (--store postgres).")
  String jdbcUser;

  @Option(names = "--jdbc-password-file", paramLabel = "FILE",
      description = "A file whose first line is the database password (or set $" + PASSWORD_ENV + ").")
  Path jdbcPasswordFile;

  /**
   * Applies the options to {@code b}.
   *
   * @param env the environment ({@code System::getenv} in production)
   * @throws IllegalArgumentException options that do not go together, or a password file that cannot be read
   */
  void apply(ImServer.Builder b, UnaryOperator<String> env) {
    String name = store.toLowerCase(Locale.ROOT);
    boolean jdbc = jdbcUrl != null || jdbcUser != null || jdbcPasswordFile != null;
    if (!name.equals("postgres")) {
      if (jdbc) {
        throw new IllegalArgumentException("--jdbc-url, --jdbc-user and --jdbc-password-file go with --store postgres");
      }
      b.store(name);
      return;
    }
    if (jdbcUrl == null) {
      throw new IllegalArgumentException("--store postgres needs --jdbc-url, e.g. jdbc:postgresql://127.0.0.1:5432/imlink");
    }
    if (jdbcUrl.toLowerCase(Locale.ROOT).contains("password=")) {
      throw new IllegalArgumentException("--jdbc-url holds a password, visible in the process list: give it with"
          + " --jdbc-password-file or $" + PASSWORD_ENV + " instead");
    }
    b.store("postgres").storeProperty("jdbc.url", jdbcUrl).storeProperty("jdbc.user", jdbcUser);
    if (jdbcPasswordFile != null) {
      if (!Files.isReadable(jdbcPasswordFile)) {
        throw new IllegalArgumentException("cannot read the database password file " + jdbcPasswordFile);
      }
      b.storeProperty("jdbc.password-file", jdbcPasswordFile.toAbsolutePath().toString());
    } else {
      String fromEnv = env.apply(PASSWORD_ENV);
      if (fromEnv != null && !fromEnv.isEmpty()) {
        b.storeProperty("jdbc.password", fromEnv);
      }
    }
  }

  /** What the server prints for its store: the name and URL, never a credential. */
  String describe(Path dataDir) {
    return store.equalsIgnoreCase("postgres") ? "postgres " + jdbcUrl + (jdbcUser != null ? " as " + jdbcUser : "")
        : store + " in " + dataDir.toAbsolutePath();
  }
}
