package io.imlink.storage.sqlite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MigrationsTest {
  @TempDir Path tmp;

  private Connection db() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("m.db"));
  }

  @Test
  void migrationsRunForwardOnceEach() throws Exception {
    List<List<String>> v1 = List.of(List.of("CREATE TABLE t (a INTEGER)"));
    List<List<String>> v2 = List.of(v1.get(0), List.of("ALTER TABLE t ADD COLUMN b TEXT", "INSERT INTO t VALUES (1, 'x')"));
    try (Connection c = db()) {
      assertThat(Migrations.migrate(c, v1)).isZero();
      assertThat(Migrations.version(c)).isEqualTo(1);
      assertThat(Migrations.migrate(c, v1)).as("nothing to do").isEqualTo(1);
    }
    try (Connection c = db()) {
      assertThat(Migrations.migrate(c, v2)).isEqualTo(1);
      assertThat(Migrations.version(c)).isEqualTo(2);
      try (ResultSet rs = c.createStatement().executeQuery("SELECT b FROM t")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("x");
      }
    }
  }

  @Test
  void aFailedStepLeavesTheEarlierVersionIntact() throws Exception {
    List<List<String>> broken = List.of(List.of("CREATE TABLE t (a INTEGER)"), List.of("CREATE TABLE u (a)", "NOT SQL"));
    try (Connection c = db()) {
      assertThatThrownBy(() -> Migrations.migrate(c, broken)).isInstanceOf(SQLException.class);
      assertThat(Migrations.version(c)).isEqualTo(1);
      try (ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'u'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("the failed step is rolled back whole").isZero();
      }
    }
  }

  @Test
  void aNewerDatabaseIsRefused() throws Exception {
    try (Connection c = db()) {
      c.createStatement().execute("PRAGMA user_version = 99");
      assertThatThrownBy(() -> Migrations.migrate(c))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("schema version 99, newer than this imlink's " + Migrations.latest());
    }
  }
}
