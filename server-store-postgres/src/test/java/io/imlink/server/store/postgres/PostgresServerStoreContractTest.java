package io.imlink.server.store.postgres;

import io.imlink.server.spi.ServerStore;
import io.imlink.server.spi.ServerStoreConfig;
import io.imlink.tck.SharedServerStoreContract;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The shared-store contract on PostgreSQL: each test on a new database of the embedded server,
 * every store of a test a pool of its own on it (as a server process), the state refreshed every
 * 100 ms.
 */
class PostgresServerStoreContractTest extends SharedServerStoreContract {
  private final String url = EmbeddedPostgresFixture.newDatabaseUrl(); // JUnit makes an instance per test

  @Override
  protected ServerStore openStore(RandomGenerator random) throws IOException {
    return new PostgresServerStoreProvider().open(new ServerStoreConfig(null, Clock.systemUTC(), random,
        Map.of("jdbc.url", url, "jdbc.user", EmbeddedPostgresFixture.user(), "state.refresh", "PT0.1S", "pool.size", "4")));
  }
}
