package dev.rpcproxy.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.samples.downstream.Downstream;
import dev.rpcproxy.samples.order.FtgoClients;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the {@code down} scenario for 3 s, as {@code --scenario down --duration 3 --port 0} would. */
class DemoSmokeTest {

  @Test
  @Timeout(60)
  void downOpensTheBreakerAndTheCachedMenuKeepsOrdersFlowing() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    ByteArrayOutputStream output = new ByteArrayOutputStream();

    List<PhaseResult> results = new Demo(DemoOptions.parse("--scenario", "down", "--duration", "3", "--port", "0"),
        registry, new PrintStream(output, true, StandardCharsets.UTF_8)).run();

    String printed = output.toString(StandardCharsets.UTF_8);
    System.out.println(printed);
    assertThat(results).singleElement().satisfies(down -> {
      assertThat(down.phase().scenario()).isEqualTo(Scenario.DOWN);
      assertThat(down.statesOf(FtgoClients.RESTAURANTS)).contains("OPEN");
      assertThat(down.delta().orders("placed")).isPositive();
    });
    // Read back from the registry, by the library's documented meter names.
    double fallbacks = registry.find("rpc.client.fallbacks").tag("client", FtgoClients.RESTAURANTS).counters()
        .stream().mapToDouble(Counter::count).sum();
    long circuitOpen = registry.find("rpc.client.calls").tag("client", FtgoClients.RESTAURANTS)
        .tag("outcome", "circuit_open").timers().stream().mapToLong(Timer::count).sum();
    long failures = registry.find("rpc.client.calls").tag("client", FtgoClients.RESTAURANTS)
        .tag("outcome", "failure").timers().stream().mapToLong(Timer::count).sum();
    assertThat(failures).as("calls that failed with a 503 before the breaker opened").isPositive();
    // The breaker records attempts: a call's hedges and retry fail with 503s too, so fewer calls open it.
    assertThat(results.get(0).delta().downstreamRequests(Downstream.RESTAURANTS.label()))
        .as("503s sent before the breaker opened").isGreaterThanOrEqualTo(FtgoClients.BREAKER_MIN_CALLS / 2);
    assertThat(circuitOpen).as("calls rejected by the open breaker").isPositive();
    assertThat(fallbacks).as("calls answered from the cache").isGreaterThan(circuitOpen / 2.0);
    assertThat(printed).contains("── phase 1/1: down").contains("══ Summary").contains("breaker opened");
    // About 1 placed order in 10 is followed over the kitchen's WatchTicket stream.
    double events = registry.find("rpc.client.stream.messages").tags("client", FtgoClients.KITCHEN, "method", "watchTicket")
        .counters().stream().mapToDouble(Counter::count).sum();
    long streams = registry.find("rpc.client.calls").tags("client", FtgoClients.KITCHEN, "method", "watchTicket")
        .timers().stream().mapToLong(Timer::count).sum();
    assertThat(streams).as("ticket streams followed").isPositive();
    assertThat(events).as("ticket events delivered").isPositive();
    assertThat(printed).contains("streams").contains("kitchen.watchTicket");

    assertThat(lingeringNonDaemonThreads(before)).as("threads the demo left running").isEmpty();
  }

  /** Non-daemon threads started since {@code before} that are still alive, after up to 5 s. */
  static List<String> lingeringNonDaemonThreads(Set<Thread> before) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    List<String> left;
    do {
      left = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.isAlive() && !t.isDaemon() && !before.contains(t))
          .map(Thread::getName)
          .collect(Collectors.toList());
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    return left;
  }
}
