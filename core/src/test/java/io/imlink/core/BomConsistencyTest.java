package io.imlink.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The BOM has no parent, so nothing else keeps it in step with the build: this test does. */
class BomConsistencyTest {
  /** Modules that are not published artifacts. */
  private static final Set<String> UNPUBLISHED = Set.of("bom", "benchmarks");

  private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();

  @Test
  void bomListsEveryPublishedModuleAtTheProjectVersion() throws Exception {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("bom/pom.xml"));

    String projectVersion = first(parent, "<artifactId>imlink-parent</artifactId>\\s*<version>([^<]+)</version>");
    String bomVersion = first(bom, "<artifactId>imlink-bom</artifactId>\\s*<version>([^<]+)</version>");
    assertThat(bomVersion).isEqualTo(projectVersion);
    assertThat(bom).doesNotContain("<parent>");

    List<String> expected = new ArrayList<>();
    for (String module : all(parent, "<module>([^<]+)</module>")) {
      if (!UNPUBLISHED.contains(module)) {
        expected.add("imlink-" + module);
        String modulePom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
        assertThat(modulePom).contains("<artifactId>imlink-" + module + "</artifactId>");
      }
    }
    List<String> listed = all(bom, "<artifactId>(imlink-[^<]+)</artifactId>\\s*<version>\\$\\{project.version}</version>");
    assertThat(listed).containsExactlyInAnyOrderElementsOf(expected);
  }

  private static String first(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex).isTrue();
    return m.group(1);
  }

  private static List<String> all(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
