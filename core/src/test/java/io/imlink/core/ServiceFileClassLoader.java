package io.imlink.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A class loader that answers {@code META-INF/services/<service>} with a file of the test's choice
 * for the services it is told about, and delegates everything else (classes, other service files)
 * to its parent. Lets a test decide exactly which providers {@link java.util.ServiceLoader} finds.
 */
final class ServiceFileClassLoader extends ClassLoader {
  private final Map<String, URL> serviceFiles = new HashMap<>();
  private final Path directory;

  ServiceFileClassLoader(Path directory) {
    super(ServiceFileClassLoader.class.getClassLoader());
    this.directory = directory;
  }

  /** Makes {@code service} resolve to exactly these provider class names (may be none). */
  ServiceFileClassLoader with(Class<?> service, List<String> providerClassNames) {
    try {
      Path file = Files.createTempFile(directory, service.getSimpleName(), ".services");
      Files.write(file, providerClassNames);
      serviceFiles.put("META-INF/services/" + service.getName(), file.toUri().toURL());
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Convenience: provider classes instead of names. */
  ServiceFileClassLoader with(Class<?> service, Class<?>... providers) {
    return with(service, java.util.Arrays.stream(providers).map(Class::getName).toList());
  }

  @Override
  public Enumeration<URL> getResources(String name) throws IOException {
    URL url = serviceFiles.get(name);
    if (url != null) {
      return Collections.enumeration(List.of(url));
    }
    return super.getResources(name);
  }
}
