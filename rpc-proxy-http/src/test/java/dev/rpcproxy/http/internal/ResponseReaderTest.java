package dev.rpcproxy.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

class ResponseReaderTest {
  @Test
  void snippetIsBoundedAndSingleLine() {
    String snippet = ResponseReader.snippet(ResponseBody.create("line one\nline two\t" + "x".repeat(5_000), null));

    assertThat(snippet).hasSize(ResponseReader.SNIPPET_CHARS).startsWith("line one line two x");
  }

  @Test
  void snippetDecodesMalformedUtf8Leniently() {
    byte[] bytes = {'o', 'k', (byte) 0xff, (byte) 0xfe, ' ', (byte) 0xc3, (byte) 0xa9};

    assertThat(ResponseReader.snippet(ResponseBody.create(bytes, MediaType.get("text/plain"))))
        .isEqualTo("ok\uFFFD\uFFFD é");
  }

  @Test
  void snippetNeverEndsInHalfASurrogatePair() {
    String emoji = "\uD83D\uDE00"; // two chars each
    String snippet = ResponseReader.snippet(ResponseBody.create("a" + emoji.repeat(300), null));

    assertThat(snippet).hasSizeLessThanOrEqualTo(ResponseReader.SNIPPET_CHARS);
    assertThat(Character.isHighSurrogate(snippet.charAt(snippet.length() - 1))).isFalse();
    assertThat(snippet.getBytes(StandardCharsets.UTF_8)).isNotEmpty();
  }

  @Test
  void emptyBodyHasNoSnippet() {
    assertThat(ResponseReader.snippet(ResponseBody.create(" \n", null))).isNull();
    assertThat(ResponseReader.snippet(null)).isNull();
  }

  @Test
  void retryableStatuses() {
    assertThat(java.util.List.of(408, 429, 500, 502, 503, 504)).allMatch(ResponseReader::isRetryable);
    assertThat(java.util.List.of(400, 404, 501, 505, 507, 302)).noneMatch(ResponseReader::isRetryable);
  }
}
