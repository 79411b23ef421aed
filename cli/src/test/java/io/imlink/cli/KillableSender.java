package io.imlink.cli;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ImEngine;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A client process that connects, then sends {@code args[3]} messages to {@code args[4]} as fast
 * as it can and waits for ever: the test kills it with SIGKILL while its sends and their commits
 * are in flight. Arguments: server URI, token, data directory, count, recipient.
 */
public final class KillableSender {
  private KillableSender() {}

  public static void main(String[] args) throws Exception {
    ImEngine engine = ImEngine.builder("kill-app").server(URI.create(args[0])).dataDirectory(Path.of(args[2]))
        .deviceId("sender-device").build();
    CountDownLatch connected = new CountDownLatch(1);
    engine.addConnectionStatusListener((s, r) -> {
      if (s == ConnectionStatus.CONNECTED) {
        connected.countDown();
      }
    });
    engine.connect(args[1], 0);
    connected.await();
    System.out.println("connected");
    System.out.flush();
    int count = Integer.parseInt(args[3]);
    for (int n = 0; n < count; n++) {
      engine.sendMessage(args[4], "RC:TxtMsg", "{\"n\":" + n + "}", null);
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
