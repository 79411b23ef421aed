package io.imlink.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

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

  /** Read by {@link #main} before picocli runs (logging is set up first); here so picocli accepts it. */
  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "Log what the libraries do (info level), and show the stack trace of a failure.")
  boolean verbose;

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

  /**
   * Runs the command line with the given streams and returns the exit code: 0 on success; 2 for a
   * usage error (picocli's own message and usage help for what it cannot parse, one line {@code
   * imlink: <reason>} for a value a command refuses); 1 with one line {@code imlink: <reason>} for a
   * failure while running (an address in use, a refused API call), followed by its stack trace with
   * {@code --verbose}. Blocks while the command runs
   * (the {@code server} and {@code connect} commands run until stopped). Call once per command line,
   * from any thread. A {@code server} or {@code connect} stopped by SIGTERM or Ctrl-C closes in its
   * shutdown hook and the process exits with 128 + the signal (143, 130), the JVM's status for a
   * signal: {@link #main}'s {@code System.exit} waits for the hook and does not change it.
   */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = new CommandLine(new Main()).setOut(out).setErr(err);
    CommandLine.IParameterExceptionHandler picocliHandler = cli.getParameterExceptionHandler();
    cli.setParameterExceptionHandler((e, a) -> {
      if (e instanceof BadOptionValue) {
        e.getCommandLine().getErr().println("imlink: " + e.getMessage());
        e.getCommandLine().getErr().flush();
        return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
      }
      return picocliHandler.handleParseException(e, a);
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter to = commandLine.getErr();
      to.println("imlink: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
      if (verbose(parseResult)) {
        e.printStackTrace(to);
      }
      to.flush();
      return commandLine.getCommandSpec().exitCodeOnExecutionException();
    });
    return cli.execute(args);
  }

  /** Whether --verbose was given, to the top command or a subcommand. */
  private static boolean verbose(ParseResult result) {
    for (ParseResult r = result; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }
}
