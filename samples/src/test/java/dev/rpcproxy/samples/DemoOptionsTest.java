package dev.rpcproxy.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

  @Test
  void defaultsRunTheWholeStoryInUnderAMinute() {
    DemoOptions options = DemoOptions.parse();
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(45));
    assertThat(options.port()).isEqualTo(8081);
    assertThat(options.portGiven()).isFalse();
    assertThat(options.scenario()).isEmpty();
    assertThat(Phase.plan(null, options.duration())).extracting(Phase::scenario).containsExactly(Scenario.values());
    assertThat(Phase.plan(null, options.duration()).stream().map(Phase::length).reduce(Duration.ZERO, Duration::plus))
        .isEqualTo(Duration.ofSeconds(45));
  }

  @Test
  void readsEveryFlagInBothForms() {
    DemoOptions options = DemoOptions.parse("--duration", "20", "--port=0", "--scenario", "overload");
    assertThat(options.duration()).isEqualTo(Duration.ofSeconds(20));
    assertThat(options.port()).isZero();
    assertThat(options.portGiven()).isTrue();
    assertThat(options.scenario()).contains(Scenario.OVERLOAD);
    assertThat(DemoOptions.parse("--scenario=all").scenario()).isEmpty();
    assertThat(DemoOptions.parse("--help").help()).isTrue();
  }

  @Test
  void rejectsBadFlagsNamingThem() {
    assertThatThrownBy(() -> DemoOptions.parse("--speed", "3")).hasMessageContaining("unknown argument '--speed'");
    assertThatThrownBy(() -> DemoOptions.parse("--duration")).hasMessageContaining("--duration needs a value");
    assertThatThrownBy(() -> DemoOptions.parse("--duration", "soon")).hasMessageContaining("whole number");
    assertThatThrownBy(() -> DemoOptions.parse("--duration", "1")).hasMessageContaining("between 2 and 3600");
    assertThatThrownBy(() -> DemoOptions.parse("--port", "70000")).hasMessageContaining("between 0 and 65535");
    assertThatThrownBy(() -> DemoOptions.parse("--scenario", "chaos"))
        .hasMessageContaining("healthy, slow, down, recovering, overload, all");
  }

  @Test
  void badFlagsExitWithCode2AndTheUsage() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"--scenario", "chaos"}, new PrintStream(out, true), new PrintStream(err, true));
    assertThat(code).isEqualTo(2);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("error: --scenario must be one of").contains("Usage:");
  }

  @Test
  void helpExitsWithCode0() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = Main.run(new String[] {"--help"}, new PrintStream(out, true), new PrintStream(new ByteArrayOutputStream()));
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("--duration <seconds>").contains("--scenario <name>");
  }

  @Test
  void recoveringAloneFirstTakesTheServiceDown() {
    assertThat(Phase.plan(Scenario.RECOVERING, Duration.ofSeconds(10)))
        .extracting(Phase::label, Phase::length)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("lead-in: down", Duration.ofSeconds(3)),
            org.assertj.core.groups.Tuple.tuple("recovering", Duration.ofSeconds(7)));
  }

  @Test
  void breakersProbeOftenEnoughForShortPhases() {
    assertThat(Phase.breakerOpenWait(Phase.plan(null, Duration.ofSeconds(45)))).isEqualTo(Duration.ofSeconds(2));
    assertThat(Phase.breakerOpenWait(Phase.plan(Scenario.DOWN, Duration.ofSeconds(3)))).isEqualTo(Duration.ofMillis(600));
    assertThat(Phase.breakerOpenWait(Phase.plan(null, Duration.ofSeconds(2)))).isEqualTo(Duration.ofMillis(250));
  }
}
