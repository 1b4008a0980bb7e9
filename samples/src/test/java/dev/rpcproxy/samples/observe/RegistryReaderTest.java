package dev.rpcproxy.samples.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A client's streams are told apart by their message counter: counted as calls, kept out of the p99. */
class RegistryReaderTest {

  private static Timer calls(MeterRegistry registry, String method, String outcome) {
    return Timer.builder("rpc.client.calls").tags("client", "kitchen", "method", method, "outcome", outcome)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30)).register(registry); // as rpc-proxy registers it
  }

  @Test
  void streamsCountAsCallsAndStayOutOfTheClientsLatency() {
    MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT); // as the demo's
    Counter messages = Counter.builder("rpc.client.stream.messages").tags("client", "kitchen", "method", "watchTicket")
        .register(registry);
    for (int i = 0; i < 100; i++) {
      calls(registry, "createTicket", "success").record(Duration.ofMillis(5));
    }
    for (int i = 0; i < 10; i++) {
      calls(registry, "watchTicket", "success").record(Duration.ofSeconds(2));
    }
    calls(registry, "watchTicket", "timeout").record(Duration.ofSeconds(5));
    messages.increment(30);

    ClientCounts kitchen = new RegistryReader(registry, List.of("kitchen")).snapshot().client("kitchen");

    assertThat(kitchen.total()).isEqualTo(111);
    assertThat(kitchen.streams().methods()).containsExactly("watchTicket");
    assertThat(kitchen.streams().total()).isEqualTo(11);
    assertThat(kitchen.streams().calls("success")).isEqualTo(10);
    assertThat(kitchen.streams().calls("timeout")).isEqualTo(1);
    assertThat(kitchen.streams().messages()).isEqualTo(30);
    assertThat(kitchen.latency().count()).isEqualTo(100);
    assertThat(kitchen.p99Millis()).isLessThan(50);
  }

  @Test
  void aClientWithoutStreamingMethodsHasNoStreams() {
    MeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT); // as the demo's
    calls(registry, "createTicket", "success").record(Duration.ofMillis(5));

    ClientCounts kitchen = new RegistryReader(registry, List.of("kitchen")).snapshot().client("kitchen");

    assertThat(kitchen.streams().methods()).isEmpty();
    assertThat(kitchen.streams().total()).isZero();
    assertThat(kitchen.latency().count()).isEqualTo(1);
  }
}
