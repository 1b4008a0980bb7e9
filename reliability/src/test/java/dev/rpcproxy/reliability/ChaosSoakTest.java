package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The chaos soak: minutes of mixed faults, healthy and outage phases, many threads. Runs only with
 * {@code -Psoak}:
 *
 * <pre>
 * mvn -B -ntp -pl reliability -am verify -Psoak -Dsoak.duration=PT3M -Dsoak.threads=16 -Dsoak.seed=20260101
 * # through the fault proxy, network faults in every outage, until a million calls:
 * mvn -B -ntp -pl reliability -am verify -Psoak -Dsoak.viaProxy=true -Dsoak.calls=1000000
 * </pre>
 *
 * Writes its summary to {@code docs/soak-last-run.md}.
 */
@Tag("soak")
class ChaosSoakTest {

  @Test
  void soak() throws Exception {
    ChaosHarness.Config config = ChaosHarness.Config.soak();
    ChaosHarness.Result result = new ChaosHarness(config).run();
    String table = result.table();
    System.out.println(table);
    System.err.println(table);

    Path docs = Path.of(System.getProperty("reliability.docsDir", "../docs"));
    Files.createDirectories(docs);
    String command = "mvn -B -ntp -pl reliability -am verify -Psoak"
        + (config.viaProxy() ? " -Dsoak.viaProxy=true" : "")
        + (config.targetCalls() > 0 ? " -Dsoak.calls=" + config.targetCalls() : " -Dsoak.duration=" + config.duration());
    String report = "# Chaos soak: last run\n\n"
        + "Written by `ChaosSoakTest` (`" + command + "`) on "
        + Instant.now().truncatedTo(ChronoUnit.SECONDS) + ", Java " + System.getProperty("java.version") + ", "
        + Runtime.getRuntime().availableProcessors() + " cores, load average at the end "
        + String.format(java.util.Locale.ROOT, "%.1f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            .getSystemLoadAverage())
        + (config.viaProxy() ? ", both clients through the fault proxy with network faults in the outages" : "")
        + ". Verdict: "
        + (result.violations.isEmpty() && result.leaks.isEmpty() ? "**all invariants held**" : "**FAILED**") + ".\n\n"
        + table;
    Files.writeString(docs.resolve("soak-last-run.md"), report, StandardCharsets.UTF_8);

    assertThat(result.violations).as(table).isEmpty();
    assertThat(result.leaks).as(table).isEmpty();
    assertThat(result.worstNetOvershootMillis()).isLessThan(config.maxOvershootMillis());
  }
}
