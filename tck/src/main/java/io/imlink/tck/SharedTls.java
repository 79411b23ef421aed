package io.imlink.tck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One {@link TestTls} for each {@link TestTls.Options} for the whole test run, made on first use
 * and kept in JUnit's root store, which deletes its files when the run ends: making one runs
 * keytool five times. Before each test of an {@link EngineFixture} whose {@link EngineFixture#tls()}
 * is on, it hands the fixture the way to them ({@link
 * EngineFixture#certificates}); other suites declare a {@link Certificates} parameter (on a
 * {@code @BeforeEach} method, say) of a class extended with it.
 *
 * <p>Thread: JUnit's; the store makes the first use once even when tests run in parallel.
 */
public final class SharedTls implements BeforeEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedTls.class);

  /** The run's certificates, one {@link TestTls} for each {@link TestTls.Options}, made on first use. */
  @FunctionalInterface
  public interface Certificates {
    TestTls get(TestTls.Options options);

    /** The certificates for {@code localhost}/{@code 127.0.0.1}. */
    default TestTls defaults() {
      return get(TestTls.Options.defaults());
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Certificates.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return (Certificates) options -> of(context, options);
  }

  /** The run's certificates made as {@code options} say, made on the first call. */
  public static TestTls of(ExtensionContext context, TestTls.Options options) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(options, k -> Material.make(options), Material.class).tls;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    if (context.getRequiredTestInstance() instanceof EngineFixture fixture && fixture.tls()) {
      fixture.certificates = options -> of(context, options);
    }
  }

  /** The certificates and their directory, deleted when JUnit closes the root store. */
  private record Material(Path directory, TestTls tls) implements ExtensionContext.Store.CloseableResource {
    static Material make(TestTls.Options options) {
      try {
        Path dir = Files.createTempDirectory("imlink-tls");
        return new Material(dir, TestTls.create(dir, options));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (Exception e) {
        throw new IllegalStateException("making the test certificates failed", e);
      }
    }

    @Override
    public void close() throws IOException {
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
