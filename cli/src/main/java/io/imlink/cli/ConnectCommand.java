package io.imlink.cli;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Connects with a token and prints every callback and status change until interrupted or final. */
@Command(name = "connect", mixinStandardHelpOptions = true,
    description = "Connect with a token and print status changes until interrupted (Ctrl-C) or a final status.")
final class ConnectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--server", required = true, paramLabel = "URI",
      description = "Server URI (tcp://host:port); repeatable, tried in order.")
  List<URI> servers;

  @Option(names = "--app-key", required = true, description = "The app key.")
  String appKey;

  @Option(names = "--token", required = true, description = "The user's token.")
  String token;

  @Option(names = "--timeout", defaultValue = "0",
      description = "Seconds to try; 0 or less: until connected or a final error (default: ${DEFAULT-VALUE}).")
  int timeout;

  @picocli.CommandLine.Mixin ClientTlsOptions tls;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "imlink-client-data",
      description = "Where the local store lives (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  /**
   * Connects and waits for a final status. SIGTERM or Ctrl-C end it through the shutdown hook, which
   * is then the one to close the engine: it stops printing callbacks (those still arriving are
   * ignored), closes the engine and waits for it; the JVM then exits with 128 + the signal (143 for
   * SIGTERM, 130 for Ctrl-C), as a shell reports any process a signal ends. Otherwise this thread
   * closes the engine, after removing the hook so that the two never both do.
   */
  @Override
  public Integer call() throws Exception {
    Timeline t = new Timeline(spec.commandLine().getOut());
    CountDownLatch finished = new CountDownLatch(1);
    ImEngine.Builder builder =
        BadOptionValue.check(spec, () -> ImEngine.builder(appKey).servers(servers).dataDirectory(dataDir).tls(tls.resolve()));
    ImEngine engine = builder.build();
    WatchedEngine watched = new WatchedEngine("client", engine, t);
    engine.addConnectionStatusListener((status, reason) -> {
      if (!status.isActive()) {
        finished.countDown();
      }
    });
    Thread hook = new Thread(() -> {
      watched.closeQuietly();
      finished.countDown();
    }, "imlink-connect-shutdown");
    try {
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) { // the signal came while the engine was being built
      watched.closeQuietly();
      return 0;
    }
    int accepted = watched.connect(token, timeout);
    if (accepted != 0) {
      if (removeHook(hook)) {
        engine.close();
      }
      return 2;
    }
    finished.await();
    if (!removeHook(hook)) {
      return 0; // stopped by a signal: the hook closes the engine, and the exit status is the signal's
    }
    ConnectionStatus end = engine.getConnectionStatus();
    engine.close();
    return end == ConnectionStatus.SIGN_OUT ? 0 : 1;
  }

  /**
   * Removes the shutdown hook: true if this thread is now the one to close the engine, false if
   * the JVM is shutting down (the hook runs, or has run, and closes it).
   */
  private static boolean removeHook(Thread hook) {
    try {
      return Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      return false;
    }
  }
}
