package io.imlink.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Thread wake-ups of this process, as Linux counts them: the sum of every live thread's voluntary
 * context switches ({@code /proc/self/task/<tid>/status}). A thread that blocks (a queue poll, a
 * selector, a park) and is woken again counts one. The count covers the whole process (both
 * clients, the server, the benchmark's own thread, and background threads such as the JIT's), so
 * per echo it is an upper bound of the hand-offs on the message path. Threads that ended between
 * two readings drop out of the sum; the benchmarks' threads live for the whole measurement.
 */
final class Wakeups {
  private static final Path TASKS = Path.of("/proc/self/task");

  private Wakeups() {}

  /** Whether this platform can count (Linux with /proc). */
  static boolean available() {
    return Files.isDirectory(TASKS);
  }

  /** The voluntary context switches of every live thread so far, or -1 where they cannot be read. */
  static long count() {
    if (!available()) {
      return -1;
    }
    long sum = 0;
    try (Stream<Path> tasks = Files.list(TASKS)) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        sum += switches(t.resolve("status"));
      }
    } catch (IOException e) {
      return -1;
    }
    return sum;
  }

  private static long switches(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("voluntary_ctxt_switches:")) {
          return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
        }
      }
    } catch (IOException | RuntimeException e) {
      // the thread ended while we read it
    }
    return 0;
  }
}
