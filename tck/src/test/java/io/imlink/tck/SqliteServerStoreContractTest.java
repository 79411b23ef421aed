package io.imlink.tck;

import io.imlink.server.internal.SqliteServerStore;
import io.imlink.server.spi.ServerStore;
import io.imlink.server.spi.ServerStoreConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded default, {@code sqlite}, in a data directory of the test's. */
class SqliteServerStoreContractTest extends ServerStoreContract {
  @TempDir Path data;

  @Override
  protected ServerStore openStore(RandomGenerator random) throws IOException {
    return new SqliteServerStore().open(new ServerStoreConfig(data, Clock.systemUTC(), random, Map.of()));
  }
}
