package io.imlink.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code imlink} command: {@code demo}, {@code server}, {@code token}, {@code connect}. */
@Command(
    name = "imlink",
    mixinStandardHelpOptions = true,
    version = "imlink 0.1.0",
    description = "The imlink IM SDK's command line: a demo, a standalone server, and client tools.",
    subcommands = {
      DemoCommand.class,
      ServerCommand.class,
      TokenCommand.class,
      ConnectCommand.class,
      ChatCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    for (String a : args) {
      if (a.equals("--verbose") || a.equals("-v")) {
        // Must be set before the first logger is created.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
      }
    }
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the command line with the given streams; returns the exit code. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return new CommandLine(new Main()).setOut(out).setErr(err).execute(args);
  }
}
