package io.imlink.cli;

import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * An option value that picocli parsed but a builder refused (an app secret too short, a malformed
 * address…): a usage error, reported by {@link Main} as one line, {@code imlink: <reason>}, with
 * exit code 2, like picocli's own parameter errors.
 *
 * <p>Thread safety: an exception, immutable once thrown.
 */
final class BadOptionValue extends ParameterException {
  private static final long serialVersionUID = 1L;

  private BadOptionValue(CommandSpec spec, IllegalArgumentException cause) {
    super(spec.commandLine(), cause.getMessage(), cause);
  }

  /**
   * Applies option values, typically to a builder, once per command: an {@link
   * IllegalArgumentException} thrown by {@code apply} becomes a {@link BadOptionValue} with its
   * message. Runs {@code apply} on the calling thread, without blocking beyond it.
   */
  static <T> T check(CommandSpec spec, Supplier<T> apply) {
    try {
      return apply.get();
    } catch (IllegalArgumentException e) {
      throw new BadOptionValue(spec, e);
    }
  }
}
