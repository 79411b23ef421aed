package io.imlink.core.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads service providers once, tolerating broken ones: a provider that fails to load or
 * instantiate, or whose availability or priority check throws, is logged and skipped. The result
 * holds the available providers, highest priority first, ties broken by class name.
 *
 * <p>Thread safety: stateless; call from any thread.
 */
public final class ProviderDiscovery {
  private static final Logger log = LoggerFactory.getLogger(ProviderDiscovery.class);

  private ProviderDiscovery() {}

  /**
   * @param type the service interface
   * @param loader where to look for {@code META-INF/services/<type>}
   * @param isAvailable the provider's own availability check
   * @param priority the provider's priority, higher preferred
   * @return the available providers, best first
   */
  public static <T> List<T> load(
      Class<T> type, ClassLoader loader, Predicate<T> isAvailable, ToIntFunction<T> priority) {
    record Ranked<T>(T provider, int priority) {}
    List<Ranked<T>> found = new ArrayList<>();
    Iterator<T> it = ServiceLoader.load(type, loader).iterator();
    // A broken entry makes hasNext()/next() throw; the lazy iterator then moves on to the next
    // entry. The bound guards against an iterator that keeps failing at the same place.
    for (int failures = 0; failures < 100; ) {
      T candidate;
      try {
        if (!it.hasNext()) {
          break;
        }
        candidate = it.next();
      } catch (ServiceConfigurationError | LinkageError e) {
        failures++;
        log.warn("skipping a {} that failed to load: {}", type.getSimpleName(), e.toString());
        continue;
      }
      String name = candidate.getClass().getName();
      try {
        if (!isAvailable.test(candidate)) {
          log.debug("{} {} is not available here; skipped", type.getSimpleName(), name);
          continue;
        }
        found.add(new Ranked<>(candidate, priority.applyAsInt(candidate)));
      } catch (RuntimeException | LinkageError e) {
        log.warn("skipping {} {}: its availability check failed: {}", type.getSimpleName(), name, e.toString());
      }
    }
    found.sort(
        Comparator.comparingInt((Ranked<T> r) -> r.priority())
            .reversed()
            .thenComparing(r -> r.provider().getClass().getName()));
    List<T> result = new ArrayList<>(found.size());
    for (Ranked<T> r : found) {
      result.add(r.provider());
    }
    return List.copyOf(result);
  }
}
