package io.imlink.protocol;

import io.imlink.api.Limits;
import static org.assertj.core.api.Assertions.assertThat;

import io.imlink.api.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/protocol.md states what the code does: its error table and its limits are held to the code. */
class ProtocolSpecTest {
  private static final Path SPEC = Path.of("..", "docs", "protocol.md");

  private static String spec() throws Exception {
    assertThat(SPEC).as("the spec, from the protocol module's directory").exists();
    return Files.readString(SPEC);
  }

  @Test
  void theErrorCodeTableListsEveryCodeWithItsNameAndRetryAndNothingElse() throws Exception {
    String text = spec();
    String section = text.substring(text.indexOf("## 8. Error codes"), text.indexOf("## 9."));
    Matcher row = Pattern.compile("(?m)^\\| (\\d+) \\| (\\w+) \\| ([^|]+) \\| (yes|no) \\|$").matcher(section);
    List<String> rows = new ArrayList<>();
    while (row.find()) {
      rows.add(row.group(1) + " " + row.group(2) + " " + row.group(4));
      assertThat(row.group(3).strip()).as("where %s appears", row.group(1)).isNotEmpty();
    }
    List<String> codes = new ArrayList<>();
    for (ErrorCode c : ErrorCode.values()) {
      codes.add(c.code() + " " + c.name() + " " + (c.retryable() ? "yes" : "no"));
    }
    assertThat(rows).containsExactlyElementsOf(codes);
  }

  @Test
  void theLimitsTableStatesTheLimitsOfTheCode() throws Exception {
    String section = spec().substring(spec().indexOf("## 3. Limits"), spec().indexOf("## 4."));
    assertThat(section)
        .contains(String.format(Locale.ROOT, "%,d bytes (256 KiB)", Limits.MAX_FRAME_BYTES))
        .contains(String.format(Locale.ROOT, "%,d UTF-8 bytes (128 KB)", Limits.MAX_CONTENT_BYTES))
        .contains("1 to " + Limits.MAX_ID_BYTES + " UTF-8 bytes")
        .contains(Limits.MAX_TOKEN_LENGTH + " characters")
        .contains(Limits.SYNC_PAGE_SIZE + " messages, and one frame");
    assertThat(Frames.MAX_MESSAGE_FRAME_BYTES).as("\"the largest Publish or one-message Deliver is under 132 KB\"")
        .isLessThan(132 * 1000);
  }

  @Test
  void theVersionsSectionStatesTheVersionsThisCodeSpeaks() throws Exception {
    assertThat(spec()).contains("a version-" + Frames.PROTOCOL_VERSION + " server speaks "
        + Frames.MIN_PROTOCOL_VERSION + " to " + Frames.PROTOCOL_VERSION);
  }

  @Test
  void theSlowConsumerSectionStatesTheWriteBudgetsCodeAndDefault() throws Exception {
    String section = spec().substring(spec().indexOf("### 4.8 Slow consumers"), spec().indexOf("## 5."));
    long mib = io.imlink.api.spi.TransportOptions.DEFAULT_MAX_PENDING_BYTES / (1024 * 1024);
    assertThat(mib * 1024 * 1024).isEqualTo(io.imlink.api.spi.TransportOptions.DEFAULT_MAX_PENDING_BYTES);
    assertThat(section).contains(mib + " MiB by default").contains("the code is " + io.imlink.api.spi.WriteBudget.CLOSE_CODE);
    assertThat(ErrorCode.of(io.imlink.api.spi.WriteBudget.CLOSE_CODE).retryable()).as("a dropped client reconnects").isTrue();
    assertThat(spec().substring(spec().indexOf("## 8."), spec().indexOf("## 9.")))
        .contains("| " + io.imlink.api.spi.WriteBudget.CLOSE_CODE + " |").contains("the peer read too slowly (§4.8)");
  }
}
