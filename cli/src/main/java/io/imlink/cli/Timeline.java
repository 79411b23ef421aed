package io.imlink.cli;

import java.io.PrintWriter;
import java.util.Locale;

/** Prints lines stamped with the time since the timeline started, e.g. {@code [  12.345 ms] alice  ...}. */
final class Timeline {
  private final PrintWriter out;
  private final long start = System.nanoTime();

  Timeline(PrintWriter out) {
    this.out = out;
  }

  /** Milliseconds since the start. */
  double elapsedMs() {
    return (System.nanoTime() - start) / 1e6;
  }

  synchronized void print(String who, String what) {
    out.println(String.format(Locale.ROOT, "[%9.3f ms] %-8s %s", elapsedMs(), who, what));
    out.flush();
  }

  synchronized void heading(String text) {
    out.println();
    out.println("== " + text);
    out.flush();
  }

  synchronized void raw(String text) {
    out.println(text);
    out.flush();
  }
}
