package io.imlink.server.internal;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the HTTP API's form parsing ({@link HttpApi#parseForm(byte[])}, what every API call's
 * body goes through). Arbitrary bodies are refused only with the API's own 400 / 1002, never
 * another exception; a form of arbitrary valid strings, encoded as a client does, reads back as
 * exactly those fields and values.
 * Seeds: {@code src/test/resources/io/imlink/server/internal/HttpApiFormFuzzTestInputs/form/}.
 */
class HttpApiFormFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void form(FuzzedDataProvider data) throws Exception {
    if (data.consumeBoolean()) {
      roundTrip(data);
      return;
    }
    try {
      HttpApi.parseForm(data.consumeRemainingAsBytes());
    } catch (HttpApi.ApiError e) {
      if (e.status != 400 || e.code != HttpApi.BAD_PARAMETER) {
        throw new AssertionError("refused with " + e.status + "/" + e.code, e);
      }
    }
  }

  private static void roundTrip(FuzzedDataProvider data) throws Exception {
    Map<String, List<String>> form = new LinkedHashMap<>();
    StringBuilder body = new StringBuilder();
    int fields = data.consumeInt(0, 8);
    for (int i = 0; i < fields; i++) {
      String key = data.consumeString(40);
      String value = data.consumeString(200);
      if (key.isEmpty() || !isUtf8(key) || !isUtf8(value)) {
        continue; // a field without a name is skipped by design; lone surrogates have no UTF-8 form
      }
      form.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
      if (body.length() > 0) {
        body.append('&');
      }
      body.append(URLEncoder.encode(key, StandardCharsets.UTF_8)).append('=')
          .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
    Map<String, List<String>> read = HttpApi.parseForm(body.toString().getBytes(StandardCharsets.US_ASCII));
    if (!read.equals(form)) {
      throw new AssertionError("form " + form + " encoded as " + body + " read back as " + read);
    }
  }

  private static boolean isUtf8(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(s);
  }
}
