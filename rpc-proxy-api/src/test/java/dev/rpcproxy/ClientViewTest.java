package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ClientViewTest {
  interface Service {
    int get(int id);

    @Idempotent
    int read(int id);

    default int twice(int id) {
      return 2 * get(id);
    }
  }

  private final FakeTime time = new FakeTime();

  @Test
  void describesMethodsBreakersAndLimits() {
    Service svc = RpcProxy.builder(Service.class).name("svc").transport(Transports.inline(new Service() {
      @Override
      public int get(int id) {
        throw Failures.unavailable();
      }

      @Override
      public int read(int id) {
        return id;
      }
    })).timeSource(time)
        .policy(Policy.builder().timeout(Duration.ofMillis(300)).maxConcurrentCalls(7)
            .retry(RetryPolicy.builder().maxAttempts(2).backoff(Duration.ZERO, Duration.ZERO).build())
            .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(2).minimumNumberOfCalls(2).build())
            .build())
        .policy("read", Policy.builder().timeout(Duration.ofSeconds(2))
            .circuitBreaker(CircuitBreakerConfig.ofDefaults()).build())
        .fallback("read", Fallbacks.value(0))
        .build();

    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> svc.get(1)).isInstanceOf(RemoteCallException.class);
    }
    ClientView view = RpcProxy.inspect(svc);

    assertThat(view.name()).isEqualTo("svc");
    assertThat(view.api()).isEqualTo(Service.class);
    assertThat(view.methods()).extracting(ClientView.MethodView::name).containsExactly("get", "read");
    assertThat(view.methods().get(0)).isEqualTo(
        new ClientView.MethodView("get", false, Duration.ofMillis(300), 1, "svc", "svc", false));
    assertThat(view.methods().get(1)).isEqualTo(
        new ClientView.MethodView("read", false, Duration.ofSeconds(2), 2, "svc.read", "svc", true));
    assertThat(view.breakers()).extracting(ClientView.BreakerView::name, ClientView.BreakerView::state)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("svc", CircuitBreaker.State.OPEN),
            org.assertj.core.groups.Tuple.tuple("svc.read", CircuitBreaker.State.CLOSED));
    assertThat(view.breakers().get(0).failureRate()).isEqualTo(100f);
    assertThat(view.limit()).isEqualTo(7);
    assertThat(view.inFlight()).isZero();
  }

  @Test
  void countsCallsInFlight() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Service svc = RpcProxy.builder(Service.class).transport(Transports.inline(new Service() {
      @Override
      public int get(int id) {
        entered.countDown();
        try {
          release.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return id;
      }

      @Override
      public int read(int id) {
        return id;
      }
    })).build();
    Thread caller = new Thread(() -> svc.get(1));
    caller.start();
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

    assertThat(RpcProxy.inspect(svc).inFlight()).isEqualTo(1);
    assertThat(RpcProxy.inspect(svc).limit()).isEqualTo(Policy.DEFAULT_MAX_CONCURRENT_CALLS);
    release.countDown();
    caller.join(5_000);
    assertThat(RpcProxy.inspect(svc).inFlight()).isZero();
  }

  @Test
  void rejectsWhatItDidNotBuild() {
    assertThatThrownBy(() -> RpcProxy.inspect("not a proxy")).isInstanceOf(IllegalArgumentException.class);
  }
}
