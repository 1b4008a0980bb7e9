package dev.rpcproxy.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import okhttp3.HttpUrl;
import org.junit.jupiter.api.Test;

class PathTemplateTest {
  private static String expand(String path, Map<String, Integer> indexes, Object... args) {
    return expand(PathTemplate.Encoding.PATH_SEGMENT, path, indexes, args);
  }

  private static String expand(PathTemplate.Encoding encoding, String path, Map<String, Integer> indexes,
      Object... args) {
    HttpUrl.Builder url = HttpUrl.get("http://h/base/").newBuilder();
    Map<String, ArgumentValue> values = new java.util.HashMap<>();
    indexes.forEach((name, index) -> values.put(name, ArgumentValue.argument(index, "@PathParam(\"" + name + "\")")));
    PathTemplate.parse(path, encoding).resolve(values).appendTo(url, args, null);
    return url.build().encodedPath();
  }

  @Test
  void variablesWithRegexAndMixedSegments() {
    PathTemplate template = PathTemplate.parse("/items/{id: [0-9]{1,5}}/v{version}.json");

    assertThat(template.variables()).containsExactlyInAnyOrder("id", "version");
    assertThat(expand("/items/{id: [0-9]{1,5}}/v{version}.json", Map.of("id", 0, "version", 1), 42, 3))
        .isEqualTo("/base/items/42/v3.json");
  }

  @Test
  void trailingSlashIsKept() {
    assertThat(expand("/items/", Map.of())).isEqualTo("/base/items/");
  }

  @Test
  void valuesCannotTraverseThePath() {
    for (String bad : new String[] {"..", ".", ""}) {
      assertThatThrownBy(() -> expand("/items/{id}", Map.of("id", 0), bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(expand("/items/{id}", Map.of("id", 0), "../admin")).isEqualTo("/base/items/..%2Fadmin");
  }

  @Test
  void nullPathValueIsRejected() {
    assertThatThrownBy(() -> expand("/items/{id}", Map.of("id", 0), (Object) null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("@PathParam(\"id\") is null");
  }

  @Test
  void unclosedBraceIsRejected() {
    assertThatThrownBy(() -> PathTemplate.parse("/items/{id")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PathTemplate.parse("/items/{}")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void valuesAreEncodedAsJaxRsClientsEncodeThem() {
    Map<String, Integer> id = Map.of("id", 0);
    assertThat(expand("/items/{id}", id, "semi;colon")).isEqualTo("/base/items/semi%3Bcolon");
    assertThat(expand("/items/{id}", id, "a b/c?d#e%f[g]")).isEqualTo("/base/items/a%20b%2Fc%3Fd%23e%25f%5Bg%5D");
    assertThat(expand("/items/{id}", id, "~-._!$&'()*+,=:@")).isEqualTo("/base/items/~-._!$&'()*+,=:@");
    assertThat(expand("/items/{id}", id, "ü✓😀")).isEqualTo("/base/items/%C3%BC%E2%9C%93%F0%9F%98%80");
    assertThat(expand("/items/{id}", id, "%2F")).isEqualTo("/base/items/%252F");
  }

  @Test
  void emptyValueIsRefusedNamingTheParameter() {
    assertThatThrownBy(() -> expand("/items/{id}", Map.of("id", 0), ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("@PathParam(\"id\") is empty");
  }

  @Test
  void strictEncodingLeavesOnlyUnreservedCharacters() {
    Map<String, Integer> id = Map.of("id", 0);
    assertThat(expand(PathTemplate.Encoding.STRICT, "/items/{id}", id, "~-._!$&'()*+,=:@ /;"))
        .isEqualTo("/base/items/~-._%21%24%26%27%28%29%2A%2B%2C%3D%3A%40%20%2F%3B");
  }

  @Test
  void literalTextKeepsItsMatrixParameters() {
    assertThat(expand("/items;v=2/{id}", Map.of("id", 0), "a;b")).isEqualTo("/base/items;v=2/a%3Bb");
  }
}
