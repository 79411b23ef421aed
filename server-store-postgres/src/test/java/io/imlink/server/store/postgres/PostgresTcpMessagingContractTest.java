package io.imlink.server.store.postgres;

import io.imlink.server.ImServer;
import io.imlink.tck.MessagingContract;
import java.net.URI;

/** {@link MessagingContract} over TCP with the server on PostgreSQL: a new database for each test. */
class PostgresTcpMessagingContractTest extends MessagingContract {
  private final String url = EmbeddedPostgresFixture.newDatabaseUrl(); // one per test: restarts within a test keep it

  @Override
  protected URI listenUri() {
    return URI.create("tcp://127.0.0.1:0");
  }

  @Override
  protected ImServer.Builder serverBuilder() {
    return PostgresServers.on(super.serverBuilder(), url);
  }
}
