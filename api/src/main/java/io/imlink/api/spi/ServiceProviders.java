package io.imlink.api.spi;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

/**
 * Loads service providers once, tolerating broken ones, the way every imlink component finds its
 * plug-ins: a provider that fails to load or instantiate, or whose availability or priority check
 * throws, is logged and skipped; unavailable ones are dropped; the rest come highest priority
 * first, ties broken by class name.
 *
 * <p>Thread safety: stateless; call from any thread. Blocks while provider classes load.
 */
public final class ServiceProviders {
  private static final System.Logger log = System.getLogger(ServiceProviders.class.getName());

  private ServiceProviders() {}

  /**
   * @param type the service interface
   * @param loader where to look for {@code META-INF/services/<type>}
   * @param isAvailable the provider's own availability check
   * @param priority the provider's priority, higher preferred
   * @return the available providers, best first; never null
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
        log.log(Level.WARNING, "skipping a {0} that failed to load: {1}", type.getSimpleName(), e.toString());
        continue;
      }
      String name = candidate.getClass().getName();
      try {
        if (!isAvailable.test(candidate)) {
          log.log(Level.DEBUG, "{0} {1} is not available here; skipped", type.getSimpleName(), name);
          continue;
        }
        found.add(new Ranked<>(candidate, priority.applyAsInt(candidate)));
      } catch (RuntimeException | LinkageError e) {
        log.log(
            Level.WARNING,
            "skipping {0} {1}: its availability check failed: {2}",
            type.getSimpleName(),
            name,
            e.toString());
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

  private static final java.util.Map<String, String> TRANSPORT_ARTIFACTS =
      java.util.Map.of(
          "tcp", "io.imlink:imlink-transport-tcp",
          "tcps", "io.imlink:imlink-transport-tcp",
          "ws", "io.imlink:imlink-transport-websocket",
          "wss", "io.imlink:imlink-transport-websocket",
          "grpc", "io.imlink:imlink-transport-grpc",
          "grpcs", "io.imlink:imlink-transport-grpc");

  /**
   * The actionable message for a scheme no transport serves, naming the artifact to add: "no
   * transport for scheme 'ws': add io.imlink:imlink-transport-websocket to the class path (schemes
   * found: tcp)".
   */
  public static String noTransportFor(String scheme, java.util.Collection<String> found) {
    String artifact = TRANSPORT_ARTIFACTS.get(scheme);
    String advice =
        artifact != null
            ? "add " + artifact + " to the class path"
            : "imlink ships transports for tcp, tcps, ws, wss, grpc and grpcs";
    return "no transport for scheme '"
        + scheme
        + "': "
        + advice
        + " (schemes found: "
        + (found.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(found)))
        + ")";
  }
}
