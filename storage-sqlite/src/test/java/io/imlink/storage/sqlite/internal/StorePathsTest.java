package io.imlink.storage.sqlite.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StorePathsTest {
  @Test
  void ordinaryIdsAreKeptAndEverythingElseIsHexEncoded() throws IOException {
    assertThat(StorePaths.segment("alice", "user id")).isEqualTo("alice");
    assertThat(StorePaths.segment("user_42-x.y", "user id")).isEqualTo("user_42-x.y");
    assertThat(StorePaths.segment("..", "user id")).isEqualTo("~2e2e");
    assertThat(StorePaths.segment(".", "user id")).isEqualTo("~2e");
    assertThat(StorePaths.segment("a/b", "user id")).isEqualTo("~612f62");
    assertThat(StorePaths.segment("nul\u0000", "user id")).isEqualTo("~6e756c00");
    assertThat(StorePaths.segment("Alice", "user id")).as("case-insensitive file systems").isEqualTo("~416c696365");
    assertThat(StorePaths.segment("con", "user id")).as("Windows device name").isEqualTo("~636f6e");
    assertThat(StorePaths.segment("aux.txt", "user id")).isEqualTo("~6175782e747874");
    assertThat(StorePaths.segment("trailing.", "user id")).startsWith("~");
    assertThat(StorePaths.segment("~2e2e", "user id")).as("never meets an encoded name").isEqualTo("~7e32653265");
    assertThat(StorePaths.segment("\u00e9", "user id")).isEqualTo("~c3a9");
  }

  @Test
  void overLongAndEmptyIdsAreRefused() {
    assertThatThrownBy(() -> StorePaths.segment("x".repeat(65), "user id"))
        .isInstanceOf(IOException.class)
        .hasMessage("user id is longer than 64 UTF-8 bytes: refused as a directory name");
    assertThatThrownBy(() -> StorePaths.segment("", "app key")).hasMessage("app key is empty: refused as a directory name");
  }

  @Test
  void theUserDirectoryIsAlwaysTwoLevelsBelowTheDataDirectory() throws IOException {
    Path data = Path.of("/data");
    for (String id : new String[] {"..", "../..", "/etc/passwd", "a/../../b", "\\..\\x"}) {
      Path dir = StorePaths.userDirectory(data, "app", id).normalize();
      assertThat(dir.getParent().getParent()).isEqualTo(data);
    }
  }
}
