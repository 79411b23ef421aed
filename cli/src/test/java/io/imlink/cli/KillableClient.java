package io.imlink.cli;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client process that connects and receives messages for ever, printing its progress: the test
 * kills it with SIGKILL while messages pour in.
 */
public final class KillableClient {
  private KillableClient() {}

  public static void main(String[] args) throws Exception {
    ImEngine engine = ImEngine.builder("kill-app").server(URI.create(args[0])).dataDirectory(Path.of(args[2]))
        .deviceId("victim-device").build();
    AtomicInteger received = new AtomicInteger();
    engine.addConnectionStatusListener((s, r) -> {
      if (s == ConnectionStatus.CONNECTED) {
        System.out.println("connected");
        System.out.flush();
      }
    });
    engine.addMessageListener((m, left, offline) -> {
      int n = received.incrementAndGet();
      if (n % 100 == 0) {
        System.out.println("received " + n);
        System.out.flush();
      }
    });
    engine.connect(args[1], 0);
    Thread.sleep(Long.MAX_VALUE);
  }
}
