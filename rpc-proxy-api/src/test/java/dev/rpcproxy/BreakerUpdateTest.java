package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/** An operator forces a client's breakers open, closes them, or disables them, while it runs. */
class BreakerUpdateTest {
  interface Service {
    int get(int id);

    CompletableFuture<Integer> getAsync(int id);
  }

  private final FakeTime time = new FakeTime();
  private final AtomicInteger sent = new AtomicInteger();
  private volatile IntSupplier behaviour = () -> 1;
  private final Service target = new Service() {
    @Override
    public int get(int id) {
      sent.incrementAndGet();
      return behaviour.getAsInt();
    }

    @Override
    public CompletableFuture<Integer> getAsync(int id) {
      return CompletableFuture.completedFuture(get(id));
    }
  };

  private Service client(Policy policy) {
    return RpcProxy.builder(Service.class).name("svc").transport(Transports.inline(target)).timeSource(time)
        .policy(policy).build();
  }

  private static Policy smallWindow() {
    return Policy.builder().circuitBreaker(CircuitBreakerConfig.custom()
        .slidingWindowSize(10).minimumNumberOfCalls(4).failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofSeconds(5)).build()).build();
  }

  private static CircuitBreaker.State state(Object client) {
    return RpcProxy.inspect(client).breakers().get(0).state();
  }

  @Test
  void aForcedOpenBreakerRejectsEveryCallUnsentUntilClosedAndNothingMovesItMeanwhile() {
    Service svc = client(smallWindow());
    assertThat(svc.get(1)).isEqualTo(1);

    assertThat(RpcProxy.updateBreakers(svc, BreakerUpdate.FORCE_OPEN)).containsExactly("svc");
    assertThat(state(svc)).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
    assertThatThrownBy(() -> svc.get(2)).isInstanceOf(CircuitOpenException.class);
    assertThatThrownBy(() -> svc.getAsync(3).join()).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(CircuitOpenException.class);
    time.advance(Duration.ofMinutes(10)); // an open wait would have passed long ago: forced stays forced
    assertThatThrownBy(() -> svc.get(4)).isInstanceOf(CircuitOpenException.class);
    assertThat(sent).hasValue(1);

    RpcProxy.updateBreakers(svc, BreakerUpdate.CLOSE);
    assertThat(state(svc)).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(svc.get(5)).isEqualTo(1);
    assertThat(sent).hasValue(2);
  }

  @Test
  void aDisabledBreakerLetsFailuresThroughWithoutOpeningAndClosingItStartsAnEmptyWindow() {
    Service svc = client(smallWindow());
    RpcProxy.updateBreakers(svc, BreakerUpdate.DISABLE);
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 20; i++) {
      int id = i;
      assertThatThrownBy(() -> svc.get(id)).isInstanceOf(RemoteCallException.class);
    }
    assertThat(sent).hasValue(20);
    assertThat(state(svc)).isEqualTo(CircuitBreaker.State.DISABLED);

    // Closed again, it counts from nothing: three failures are below its minimum of four calls.
    RpcProxy.updateBreakers(svc, BreakerUpdate.CLOSE);
    for (int i = 0; i < 3; i++) {
      int id = i;
      assertThatThrownBy(() -> svc.get(id)).isInstanceOf(RemoteCallException.class);
    }
    assertThat(state(svc)).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThatThrownBy(() -> svc.get(4)).isInstanceOf(RemoteCallException.class);
    assertThat(state(svc)).isEqualTo(CircuitBreaker.State.OPEN);
    assertThatThrownBy(() -> svc.get(5)).isInstanceOf(CircuitOpenException.class);
    assertThat(sent).hasValue(24);
  }

  @Test
  void closingAClosedBreakerEmptiesItsWindow() {
    Service svc = client(smallWindow());
    behaviour = () -> { throw Failures.unavailable(); };
    for (int i = 0; i < 3; i++) {
      int id = i;
      assertThatThrownBy(() -> svc.get(id)).isInstanceOf(RemoteCallException.class);
    }
    assertThat(RpcProxy.inspect(svc).breakers().get(0).failedCalls()).isEqualTo(3);
    RpcProxy.updateBreakers(svc, BreakerUpdate.CLOSE);
    assertThat(RpcProxy.inspect(svc).breakers().get(0).failedCalls()).isZero();
    assertThatThrownBy(() -> svc.get(4)).isInstanceOf(RemoteCallException.class);
    assertThat(state(svc)).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void oneBreakerByNameAndAClearErrorForAnUnknownNameOrAPlainObject() {
    Service svc = RpcProxy.builder(Service.class).name("svc").transport(Transports.inline(target)).timeSource(time)
        .policy(Policy.builder().circuitBreakerPerMethod(true).build()).build();
    RpcProxy.updateBreaker(svc, "svc.get", BreakerUpdate.FORCE_OPEN);
    assertThatThrownBy(() -> svc.get(1)).isInstanceOf(CircuitOpenException.class);
    assertThat(svc.getAsync(2).join()).isEqualTo(1);

    assertThatThrownBy(() -> RpcProxy.updateBreaker(svc, "svc.nope", BreakerUpdate.CLOSE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("svc.nope").hasMessageContaining("svc.get").hasMessageContaining("svc.getAsync");
    assertThatThrownBy(() -> RpcProxy.updateBreakers(target, BreakerUpdate.CLOSE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an rpc-proxy client");
  }
}
