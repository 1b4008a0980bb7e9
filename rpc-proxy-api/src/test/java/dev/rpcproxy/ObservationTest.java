package dev.rpcproxy;

import static dev.rpcproxy.testing.ScriptedTransport.answer;
import static dev.rpcproxy.testing.ScriptedTransport.fail;
import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import dev.rpcproxy.testing.ScriptedTransport;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One {@code rpc.client.call} Observation per call, one {@code rpc.client.attempt} per attempt under it. */
class ObservationTest {
  interface Api {
    String get(String id);

    CompletableFuture<String> getAsync(String id);
  }

  private final TestObservationRegistry registry = TestObservationRegistry.create();
  private final ScriptedTransport transport = new ScriptedTransport();
  private final FakeTime time = new FakeTime();

  /** Every observation stopped, in order. */
  private final java.util.List<Observation.Context> stopped = new java.util.concurrent.CopyOnWriteArrayList<>();

  {
    registry.observationConfig().observationHandler(new ObservationHandler<>() {
      @Override
      public void onStop(Observation.Context context) {
        stopped.add(context);
      }

      @Override
      public boolean supportsContext(Observation.Context context) {
        return true;
      }
    });
  }

  private Api client() {
    return RpcProxy.builder(Api.class).name("traced").transport(transport).timeSource(time)
        .observationRegistry(registry)
        .policy(Policy.builder().retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ZERO, Duration.ZERO).build())
            .build())
        .build();
  }

  @Test
  void aCallIsOneObservationAndItsRetriesAreAttemptsUnderIt() {
    transport.then(fail(Failures.unavailable()), answer("ok"));
    assertThat(client().get("x")).isEqualTo("ok");

    assertThat(registry).hasNumberOfObservationsWithNameEqualTo("rpc.client.call", 1)
        .hasNumberOfObservationsWithNameEqualTo("rpc.client.attempt", 2)
        .hasObservationWithNameEqualTo("rpc.client.call").that()
        .hasLowCardinalityKeyValue("client", "traced")
        .hasLowCardinalityKeyValue("method", "get")
        .hasLowCardinalityKeyValue("outcome", "success")
        .hasBeenStarted().hasBeenStopped();
    assertThat(stopped).filteredOn(c -> c.getName().equals("rpc.client.attempt"))
        .extracting(c -> c.getLowCardinalityKeyValue("kind").getValue())
        .containsExactly("first", "retry");
    assertThat(stopped).filteredOn(c -> c.getName().equals("rpc.client.attempt"))
        .allSatisfy(c -> assertThat(c.getParentObservation().getContextView().getName())
            .isEqualTo("rpc.client.call"));
  }

  /**
   * Observation only watches: an observed blocking call still runs its attempts on the caller's
   * thread (where its MDC and security context are), through the transport's blocking method.
   */
  @Test
  void anObservedBlockingCallRunsItsAttemptsOnTheCallersThread() {
    Thread caller = Thread.currentThread();
    java.util.List<Thread> ranOn = new java.util.concurrent.CopyOnWriteArrayList<>();
    transport.then(attempt -> {
      ranOn.add(Thread.currentThread());
      throw Failures.unavailable();
    }, attempt -> {
      ranOn.add(Thread.currentThread());
      return "ok";
    });

    assertThat(client().get("x")).isEqualTo("ok");

    assertThat(ranOn).containsExactly(caller, caller);
    assertThat(transport.blockingAttempts()).hasSize(2);
    assertThat(registry).hasNumberOfObservationsWithNameEqualTo("rpc.client.attempt", 2);
  }

  @Test
  void aFailedAsyncCallCarriesItsOutcomeAndError() {
    transport.otherwise(fail(Failures.badRequest()));
    assertThatThrownBy(() -> client().getAsync("x").join()).hasCauseInstanceOf(RemoteCallException.class);

    assertThat(registry).hasObservationWithNameEqualTo("rpc.client.call").that()
        .hasLowCardinalityKeyValue("method", "getAsync")
        .hasLowCardinalityKeyValue("outcome", "client_error")
        .hasError();
  }

  @Test
  void aTracingHandlersHeadersGoOutWithEachAttempt() {
    AtomicInteger ids = new AtomicInteger();
    registry.observationConfig().observationHandler(new ObservationHandler<SenderContext<Object>>() {
      @Override
      public void onStart(SenderContext<Object> context) {
        context.getSetter().set(context.getCarrier(), "traceparent", "00-trace-" + ids.incrementAndGet() + "-01");
      }

      @Override
      public boolean supportsContext(Observation.Context context) {
        return context instanceof SenderContext;
      }
    });
    transport.then(fail(Failures.unavailable()), answer("ok"));
    client().get("x");

    assertThat(transport.attempts()).extracting(a -> a.headers().get("traceparent"))
        .containsExactly("00-trace-1-01", "00-trace-2-01");
  }

  @Test
  void withoutARegistryAttemptsCarryNoHeaders() {
    Api api = RpcProxy.builder(Api.class).transport(transport).build();
    api.get("x");
    assertThat(transport.attempts().get(0).headers()).isEmpty();
  }
}
