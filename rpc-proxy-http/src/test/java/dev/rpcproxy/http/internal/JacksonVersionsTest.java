package dev.rpcproxy.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/**
 * The Jackson 2 skew check's judgement. A class path that really is skewed (Maven's own resolution
 * of a user's POM) is run by compat/own-jackson-annotations.
 */
class JacksonVersionsTest {
  @Test
  void theJarsThisModuleIsBuiltWithFitTogether() {
    assertThatCode(() -> JacksonVersions.check(getClass().getClassLoader())).doesNotThrowAnyException();
  }

  @Test
  void newerCoreAndAnnotationsThanDatabindFit() {
    assertThat(JacksonVersions.problem("2.19.1", "2.23.0", "2.19.1")).isNull();
    assertThat(JacksonVersions.problem("2.20.1", "2.23.0", "2.23")).isNull();
    assertThat(JacksonVersions.problem("2.23.0", "2.23.0", "2.23")).isNull();
  }

  @Test
  void olderAnnotationsThanDatabindAreNamedWithTheFix() {
    String problem = JacksonVersions.problem("2.23.0", "2.23.0", "2.20");
    assertThat(problem)
        .contains("jackson-databind 2.23.0", "jackson-core 2.23.0", "jackson-annotations 2.20")
        .contains("2.23 or later")
        .contains("com.fasterxml.jackson:jackson-bom:2.23.0")
        .contains("declare rpc-proxy-http before");
  }

  @Test
  void olderCoreThanDatabindIsNamed() {
    assertThat(JacksonVersions.problem("2.23.0", "2.19.2", "2.23")).contains("jackson-core 2.19.2");
  }

  @Test
  void aMissingJarIsNamed() {
    assertThat(JacksonVersions.problem("2.23.0", "2.23.0", "missing")).contains("jackson-annotations missing");
  }

  @Test
  void unreadableVersionsAreNotGuessedAt() {
    assertThat(JacksonVersions.problem(null, "2.19.2", "2.19.2")).isNull();
    assertThat(JacksonVersions.problem("2.23.0", null, null)).isNull();
  }

  @Test
  void minorOfJacksonVersionStrings() {
    assertThat(JacksonVersions.minor("2.19.2")).isEqualTo(19);
    assertThat(JacksonVersions.minor("2.20")).isEqualTo(20);
    assertThat(JacksonVersions.minor("2.21.0-rc1")).isEqualTo(21);
    assertThat(JacksonVersions.minor("3.1.4")).isEqualTo(-1);
    assertThat(JacksonVersions.minor("2.")).isEqualTo(-1);
  }
}
