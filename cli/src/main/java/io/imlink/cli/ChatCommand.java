package io.imlink.cli;

import io.imlink.api.ConnectionStatus;
import io.imlink.api.ConversationType;
import io.imlink.api.ImEngine;
import io.imlink.api.Message;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * An interactive chat: connects, prints what arrives, sends what is typed. Commands: {@code /to
 * USER} picks the recipient, {@code /history [N]} shows the conversation, {@code /conversations},
 * {@code /wait} waits until everything typed is sent, {@code /quit}. Reads standard input, or a
 * script with {@code --script}. On leaving, what was typed is sent first (bounded).
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
    description = "Chat interactively: /to USER, then type lines to send; /history [N], /conversations, /wait, /quit.")
final class ChatCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--server", required = true, paramLabel = "URI", description = "Server URI; repeatable, tried in order.")
  List<URI> servers;

  @Option(names = "--app-key", required = true, description = "The app key.")
  String appKey;

  @Option(names = "--token", required = true, description = "The user's token.")
  String token;

  @Option(names = "--to", description = "The first recipient.")
  String to;

  @picocli.CommandLine.Mixin ClientTlsOptions tls;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "imlink-client-data",
      description = "Where the local store lives (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--script", paramLabel = "FILE", description = "Read the input from this file instead of the terminal.")
  Path script;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Timeline t = new Timeline(out);
    ImEngine.Builder builder =
        BadOptionValue.check(spec, () -> ImEngine.builder(appKey).servers(servers).dataDirectory(dataDir).tls(tls.resolve()));
    try (ImEngine engine = builder.build()) {
      CountDownLatch connected = new CountDownLatch(1);
      engine.addConnectionStatusListener((s, r) -> {
        t.print("status", s + (r == 0 ? "" : " (" + r + ")"));
        if (s == ConnectionStatus.CONNECTED) {
          connected.countDown();
        }
      });
      engine.setOnConnected((code, user) -> t.print("connect", code == 0 ? "connected as " + user : "failed: " + code));
      engine.addMessageListener((m, left, offline) ->
          t.print(m.senderUserId(), m.content() + (offline ? "  (offline)" : "")));
      int accepted = engine.connect(token, 0);
      if (accepted != 0) {
        spec.commandLine().getErr().println("connect refused: " + accepted);
        return 2;
      }
      connected.await(30, TimeUnit.SECONDS);
      BufferedReader in = script != null
          ? Files.newBufferedReader(script, StandardCharsets.UTF_8)
          : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      List<java.util.concurrent.CompletableFuture<Message>> pending = new java.util.ArrayList<>();
      try (in) {
        String line;
        while ((line = in.readLine()) != null) {
          line = line.strip();
          if (line.isEmpty()) {
            continue;
          }
          if (line.equals("/quit")) {
            break;
          } else if (line.equals("/wait")) {
            waitFor(pending);
          } else if (line.startsWith("/to ")) {
            to = line.substring(4).strip();
            t.print("chat", "talking to " + to);
          } else if (line.startsWith("/history")) {
            int n = line.length() > 8 ? Integer.parseInt(line.substring(8).strip()) : 20;
            List<Message> page = engine.getHistory(ConversationType.PRIVATE, to, null, n);
            for (int i = page.size() - 1; i >= 0; i--) {
              Message m = page.get(i);
              t.print("history", m.senderUserId() + ": " + m.content() + " [" + m.status() + "]");
            }
          } else if (line.equals("/conversations")) {
            engine.getConversations(50).forEach(c ->
                t.print("chat", c.targetId() + ": " + c.unreadCount() + " unread, last " + c.lastMessage().content()));
          } else if (to == null) {
            t.print("chat", "no recipient: type /to USER first");
          } else {
            String json = "{\"content\":\"" + line.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
            pending.add(engine.sendMessage(to, "RC:TxtMsg", json).whenComplete((m, e) -> {
              if (e == null) {
                t.print("me", m.content() + "  [sent]");
              } else {
                t.print("me", "not sent: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
              }
            }));
          }
        }
      }
      waitFor(pending); // what was typed goes out before leaving (it would wait in the outbox otherwise)
    }
    return 0;
  }

  private static void waitFor(List<java.util.concurrent.CompletableFuture<Message>> pending) throws InterruptedException {
    try {
      java.util.concurrent.CompletableFuture.allOf(pending.toArray(java.util.concurrent.CompletableFuture[]::new))
          .get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // reported per message
    }
  }
}
