package io.imlink.server.store.postgres;

import io.imlink.server.ImServer;

/** A server builder set up for the {@code postgres} store on a test database, its state refreshed every 100 ms. */
final class PostgresServers {
  private PostgresServers() {}

  static ImServer.Builder on(ImServer.Builder b, String url) {
    return b.store("postgres").storeProperty("jdbc.url", url).storeProperty("jdbc.user", EmbeddedPostgresFixture.user())
        .storeProperty("state.refresh", "PT0.1S").storeProperty("pool.size", "4");
  }
}
