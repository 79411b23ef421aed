package io.imlink.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Option;

/**
 * Where a command gets the app secret: a file ({@code --app-secret-file}), the environment ({@value
 * #ENV}), or the command line ({@code --app-secret}, which every local user can read in the process
 * list: kept for tests and throw-away servers). At most one of the two options may be given; the
 * environment is read only when neither is.
 *
 * <p>Thread: the command's thread, once per run; reading the file blocks briefly.
 */
final class AppSecretOption {
  /** The environment variable read when no option gives the secret. */
  static final String ENV = "IMLINK_APP_SECRET";

  @Option(names = "--app-secret-file", paramLabel = "FILE",
      description = "A file whose first line is the app secret (or set $" + ENV + ").")
  Path file;

  @Option(names = "--app-secret", paramLabel = "SECRET",
      description = "The app secret on the command line, visible to other local users; prefer --app-secret-file or $"
          + ENV + ".")
  String value;

  /** Where the secret came from, for a command's output (never the secret itself). */
  enum Source { FILE, ENVIRONMENT, COMMAND_LINE }

  /** A secret and where it came from. */
  record Secret(String value, Source source) {
    @Override
    public String toString() {
      return "Secret[" + source + "]"; // never the value
    }
  }

  /**
   * The secret given, or null if none was.
   *
   * @param env the environment ({@code System::getenv} in production)
   * @throws IllegalArgumentException if both options are given, or the file is empty
   * @throws UncheckedIOException if the file cannot be read
   */
  Secret resolve(UnaryOperator<String> env) {
    if (file != null && value != null) {
      throw new IllegalArgumentException("give the app secret once: --app-secret-file or --app-secret, not both");
    }
    if (file != null) {
      String first;
      try {
        first = Files.readString(file).lines().findFirst().orElse("").strip();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the app secret file " + file + ": " + e.getMessage(), e);
      }
      if (first.isEmpty()) {
        throw new IllegalArgumentException("the app secret file " + file + " is empty");
      }
      return new Secret(first, Source.FILE);
    }
    if (value != null) {
      return new Secret(value, Source.COMMAND_LINE);
    }
    String fromEnv = env.apply(ENV);
    return fromEnv == null || fromEnv.isBlank() ? null : new Secret(fromEnv.strip(), Source.ENVIRONMENT);
  }
}
