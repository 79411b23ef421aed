package io.imlink.transport.websocket.internal;

import io.imlink.api.spi.Connector;
import io.imlink.api.spi.FrameChannel;
import io.imlink.api.spi.FrameHandler;
import io.imlink.api.spi.PendingConnect;
import io.imlink.api.spi.TransportOptions;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The client side of the WebSocket transport. Java-WebSocket runs two threads per connection (a
 * read thread and a write thread) plus a timer thread per connection while connection-lost
 * detection is on; this connector adds one timer thread for connect timeouts, started with the
 * first connect.
 */
public final class WsConnector implements Connector {
  private final TransportOptions options;
  private final Set<WsClientChannel> channels = ConcurrentHashMap.newKeySet();
  private ScheduledThreadPoolExecutor timer; // guarded by this
  private boolean closed; // guarded by this

  public WsConnector(TransportOptions options) {
    this.options = options;
  }

  private synchronized ScheduledThreadPoolExecutor timer() {
    if (closed) {
      throw new IllegalStateException("connector is closed");
    }
    if (timer == null) {
      timer = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, "imlink-ws-client-timer");
        t.setDaemon(true);
        return t;
      });
      timer.setRemoveOnCancelPolicy(true);
    }
    return timer;
  }

  @Override
  public CompletableFuture<FrameChannel> connect(URI target, FrameHandler handler) {
    WsOptions.check(target, false);
    URI wsUri;
    try {
      wsUri = new URI(target.getScheme().toLowerCase(java.util.Locale.ROOT), null, target.getHost(), target.getPort(),
          WsOptions.path(target, options), target.getRawQuery(), null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad ws URI " + target, e);
    }
    ScheduledThreadPoolExecutor t = timer();
    WsClientChannel channel = new WsClientChannel(target, wsUri, options, handler, t);
    channels.add(channel);
    channel.onFinished = () -> channels.remove(channel);
    long timeoutMs = options.connectTimeout().toMillis();
    var timeout = t.schedule(() -> channel.timedOut(timeoutMs), timeoutMs, TimeUnit.MILLISECONDS);
    CompletableFuture<FrameChannel> result = PendingConnect.bridge(channel.opened, timeout, channel::abandon);
    channel.start();
    return result;
  }

  @Override
  public void close() {
    ScheduledThreadPoolExecutor t;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      t = timer;
    }
    List<WsClientChannel> all = new ArrayList<>(channels);
    for (WsClientChannel c : all) {
      if (!c.opened.isDone()) {
        c.opened.completeExceptionally(new IOException("connector closed"));
        c.abandon();
      } else {
        c.close();
      }
    }
    for (WsClientChannel c : all) {
      c.closeBlocking();
    }
    channels.clear();
    if (t != null) {
      t.shutdownNow();
      try {
        t.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
