package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  interface Service {
    int get(int id);

    int other(int id);
  }

  private final FakeTime time = new FakeTime();
  private final AtomicInteger calls = new AtomicInteger();
  private volatile IntSupplier behaviour = () -> 1;
  private final Service target = new Service() {
    @Override
    public int get(int id) {
      calls.incrementAndGet();
      return behaviour.getAsInt();
    }

    @Override
    public int other(int id) {
      calls.incrementAndGet();
      return behaviour.getAsInt();
    }
  };

  private static CircuitBreakerConfig smallWindow() {
    return CircuitBreakerConfig.custom()
        .slidingWindowSize(10).minimumNumberOfCalls(4).failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(5)).permittedNumberOfCallsInHalfOpenState(2)
        .build();
  }

  private Service client(Policy policy) {
    return RpcProxy.builder(Service.class).name("svc").transport(Transports.inline(target))
        .timeSource(time).policy(policy).meterRegistry(new SimpleMeterRegistry()).build();
  }

  @Test
  void opensOnErrorRateAndRejectsWithoutCallingTheService() {
    Service svc = client(Policy.builder().circuitBreaker(smallWindow()).build());
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> svc.get(1)).isInstanceOf(RemoteCallException.class);
    }
    assertThat(calls).hasValue(4);

    assertThatThrownBy(() -> svc.get(1))
        .isInstanceOf(CircuitOpenException.class)
        .hasMessageContaining("svc.get")
        .satisfies(e -> assertThat(((CircuitOpenException) e).breaker()).isEqualTo("svc"));
    assertThat(calls).as("an open breaker sends nothing").hasValue(4);
  }

  @Test
  void callerErrorsNeverOpenTheBreaker() {
    Service svc = client(Policy.builder().circuitBreaker(smallWindow()).build());
    behaviour = () -> { throw Failures.badRequest(); };
    for (int i = 0; i < 20; i++) {
      assertThatThrownBy(() -> svc.get(1)).isInstanceOf(RemoteCallException.class)
          .matches(e -> ((RemoteCallException) e).isClientError());
    }
    assertThat(calls).as("every call reached the service").hasValue(20);
  }

  @Test
  void opensOnSlowCalls() {
    CircuitBreakerConfig slow = CircuitBreakerConfig.custom()
        .slidingWindowSize(10).minimumNumberOfCalls(4)
        .slowCallDurationThreshold(Duration.ofMillis(100)).slowCallRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(5)).build();
    Service svc = client(Policy.builder().circuitBreaker(slow).build());
    behaviour = () -> {
      time.advance(Duration.ofMillis(150)); // the service takes 150 ms, successfully
      return 7;
    };
    for (int i = 0; i < 4; i++) {
      assertThat(svc.get(1)).isEqualTo(7);
    }
    assertThatThrownBy(() -> svc.get(1)).isInstanceOf(CircuitOpenException.class);
  }

  @Test
  void opensOnSlowCallsWithoutAMeterRegistryToo() {
    // Without metrics nothing else reads an attempt's duration: the breaker's slow-call threshold
    // alone must keep the clock read after each attempt.
    CircuitBreakerConfig slow = CircuitBreakerConfig.custom()
        .slidingWindowSize(10).minimumNumberOfCalls(4)
        .slowCallDurationThreshold(Duration.ofMillis(100)).slowCallRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(5)).build();
    Service svc = RpcProxy.builder(Service.class).name("svc").transport(Transports.inline(target))
        .timeSource(time).policy(Policy.builder().circuitBreaker(slow).build()).build();
    behaviour = () -> {
      time.advance(Duration.ofMillis(150));
      return 7;
    };
    for (int i = 0; i < 4; i++) {
      assertThat(svc.get(1)).isEqualTo(7);
    }
    assertThatThrownBy(() -> svc.get(1)).isInstanceOf(CircuitOpenException.class);
  }

  @Test
  void halfOpenProbesCloseTheBreakerAfterTheOpenWait() {
    Service svc = client(Policy.builder().circuitBreaker(smallWindow()).build());
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> svc.get(1)).isInstanceOf(RemoteCallException.class);
    }
    assertThatThrownBy(() -> svc.get(1)).isInstanceOf(CircuitOpenException.class);

    behaviour = () -> 42;
    time.advance(Duration.ofSeconds(4));
    assertThatThrownBy(() -> svc.get(1)).as("still open before the wait ends")
        .isInstanceOf(CircuitOpenException.class);
    time.advance(Duration.ofMillis(1001)); // Resilience4j half-opens strictly after the wait
    assertThat(svc.get(1)).isEqualTo(42); // probe 1
    assertThat(svc.get(1)).isEqualTo(42); // probe 2 closes it
    for (int i = 0; i < 10; i++) {
      assertThat(svc.get(1)).isEqualTo(42);
    }
  }

  @Test
  void failedProbeReopens() {
    Service svc = client(Policy.builder().circuitBreaker(smallWindow()).build());
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> svc.get(1)).isInstanceOf(RemoteCallException.class);
    }
    time.advance(Duration.ofMillis(5001));
    assertThatThrownBy(() -> svc.get(1)).isInstanceOf(RemoteCallException.class);
    assertThatThrownBy(() -> svc.get(1)).isInstanceOf(RemoteCallException.class);
    int before = calls.get();
    assertThatThrownBy(() -> svc.get(1)).isInstanceOf(CircuitOpenException.class);
    assertThat(calls).hasValue(before);
  }

  @Test
  void oneBreakerPerClientByDefault() {
    Service svc = client(Policy.builder().circuitBreaker(smallWindow()).build());
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> svc.get(1)).isInstanceOf(RemoteCallException.class);
    }
    assertThatThrownBy(() -> svc.other(1)).as("the other method shares the client's breaker")
        .isInstanceOf(CircuitOpenException.class);
  }

  @Test
  void perMethodScopeNamesBreakersClientDotMethod() {
    Service svc = client(Policy.builder().circuitBreaker(smallWindow()).circuitBreakerPerMethod(true).build());
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> svc.get(1)).isInstanceOf(RemoteCallException.class);
    }
    assertThatThrownBy(() -> svc.get(1)).isInstanceOf(CircuitOpenException.class)
        .satisfies(e -> assertThat(((CircuitOpenException) e).breaker()).isEqualTo("svc.get"));
    assertThatThrownBy(() -> svc.other(1)).as("other has its own, still closed breaker")
        .isInstanceOf(RemoteCallException.class);
  }

  @Test
  void methodOverrideWithItsOwnBreakerConfigGetsItsOwnBreaker() {
    Service svc = RpcProxy.builder(Service.class).name("svc").transport(Transports.inline(target))
        .timeSource(time).policy(Policy.builder().circuitBreaker(smallWindow()).build())
        .policy("other", Policy.builder().circuitBreaker(CircuitBreakerConfig.custom()
            .slidingWindowSize(100).minimumNumberOfCalls(100).build()).build())
        .build();
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> svc.other(1)).isInstanceOf(RemoteCallException.class);
    }
    assertThat(svc.toString()).contains("svc");
    behaviour = () -> 3;
    assertThat(svc.get(1)).as("the client's breaker saw none of other's failures").isEqualTo(3);
  }
}
