package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.CapturedLogs;
import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoggingTest {
  interface Api {
    String get(String token);
  }

  @Test
  void breakerTransitionsAreLoggedWithTheClientNameAndNoArguments() throws Exception {
    FakeTime time = new FakeTime();
    Api failing = token -> { throw Failures.unavailable(); };
    Api api = RpcProxy.builder(Api.class).name("payments").transport(Transports.inline(failing))
        .timeSource(time)
        .policy(Policy.builder().circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(2)
            .minimumNumberOfCalls(2).waitDurationInOpenState(Duration.ofSeconds(1)).build()).build())
        .build();
    String logs = CapturedLogs.during(() -> {
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> api.get("Bearer s3cr3t")).isInstanceOf(RemoteCallException.class);
      }
      time.advance(Duration.ofMillis(1001));
      assertThatThrownBy(() -> api.get("Bearer s3cr3t")).isInstanceOf(RemoteCallException.class);
    });
    assertThat(logs).contains("WARN").contains("client 'payments'").contains("CLOSED -> OPEN");
    assertThat(logs).contains("OPEN -> HALF_OPEN");
    assertThat(logs).doesNotContain("s3cr3t");
  }
}
