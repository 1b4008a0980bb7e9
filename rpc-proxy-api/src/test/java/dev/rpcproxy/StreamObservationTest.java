package dev.rpcproxy;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import dev.rpcproxy.testing.ScriptedStreams;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A stream is one {@code rpc.client.call} Observation from subscribe to the remote stream's end,
 * with one {@code rpc.client.attempt} per attempt whose carrier headers go out with that attempt.
 */
class StreamObservationTest {
  interface Watcher {
    Flow.Publisher<String> watch(String filter);
  }

  private final TestObservationRegistry registry = TestObservationRegistry.create();
  private final ScriptedStreams transport = new ScriptedStreams();
  private final FakeTime time = new FakeTime();
  /** Every observation stopped, in order. */
  private final List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
  private final AtomicInteger traces = new AtomicInteger();

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
    registry.observationConfig().observationHandler(new ObservationHandler<SenderContext<Object>>() {
      @Override
      public void onStart(SenderContext<Object> context) {
        context.getSetter().set(context.getCarrier(), "traceparent", "00-trace-" + traces.incrementAndGet() + "-01");
      }

      @Override
      public boolean supportsContext(Observation.Context context) {
        return context instanceof SenderContext;
      }
    });
  }

  private Watcher client() {
    return RpcProxy.builder(Watcher.class).name("traced").transport(transport).timeSource(time)
        .observationRegistry(registry)
        .policy(Policy.builder().timeout(Duration.ofSeconds(10))
            .hedge(HedgePolicy.builder().maxAttempts(2).delay(Duration.ofMillis(20)).build()).build())
        .build();
  }

  private static StreamHedgingTest.Collector watch(Watcher watcher) {
    StreamHedgingTest.Collector collector = new StreamHedgingTest.Collector(Long.MAX_VALUE);
    watcher.watch("open").subscribe(collector);
    return collector;
  }

  private List<Observation.Context> stopped(String name) {
    return stopped.stream().filter(c -> c.getName().equals(name)).toList();
  }

  @Test
  void aHedgedStreamIsOneCallWithAnAttemptPerAttemptEachCarryingItsOwnHeaders() {
    Watcher watcher = client();
    watch(watcher);
    time.advance(Duration.ofMillis(20));
    transport.attempt(1).send("a");

    assertThat(stopped("rpc.client.call")).as("the call spans the stream").isEmpty();
    transport.attempt(1).send("b").complete();

    assertThat(registry).hasNumberOfObservationsWithNameEqualTo("rpc.client.call", 1)
        .hasNumberOfObservationsWithNameEqualTo("rpc.client.attempt", 2)
        .hasObservationWithNameEqualTo("rpc.client.call").that()
        .hasLowCardinalityKeyValue("client", "traced")
        .hasLowCardinalityKeyValue("method", "watch")
        .hasLowCardinalityKeyValue("outcome", "success")
        .hasBeenStarted().hasBeenStopped();
    List<Observation.Context> attempts = stopped("rpc.client.attempt");
    // The loser stops when the hedge commits the call, the hedge when the stream ends.
    assertThat(attempts).extracting(c -> c.getLowCardinalityKeyValue("kind").getValue())
        .containsExactly("first", "hedge");
    assertThat(attempts).extracting(c -> c.getHighCardinalityKeyValue("attempt").getValue())
        .containsExactly("1", "2");
    assertThat(attempts.get(0).getError()).isInstanceOf(CancellationException.class);
    assertThat(attempts.get(1).getError()).isNull();
    assertThat(attempts).allSatisfy(c -> assertThat(c.getParentObservation().getContextView().getName())
        .isEqualTo("rpc.client.call"));
    assertThat(stopped.get(stopped.size() - 1).getName()).isEqualTo("rpc.client.call");
    assertThat(transport.attempts()).extracting(a -> a.context().headers().get("traceparent"))
        .containsExactly("00-trace-1-01", "00-trace-2-01");
  }

  @Test
  void aFailedStreamCarriesItsOutcomeAndError() {
    Watcher watcher = client();
    StreamHedgingTest.Collector messages = watch(watcher);
    transport.attempt(0).fail(Failures.notImplemented());

    assertThat(messages.error).isInstanceOf(RemoteCallException.class);
    assertThat(registry).hasObservationWithNameEqualTo("rpc.client.call").that()
        .hasLowCardinalityKeyValue("outcome", "failure")
        .hasError()
        .hasBeenStopped();
    assertThat(stopped("rpc.client.attempt")).singleElement()
        .satisfies(c -> assertThat(c.getError()).isInstanceOf(RemoteCallException.class));
  }

  @Test
  void aRejectedStreamIsObservedToo() {
    Watcher watcher = RpcProxy.builder(Watcher.class).name("traced").transport(transport).timeSource(time)
        .observationRegistry(registry).policy(Policy.builder().maxConcurrentCalls(1).build()).build();
    StreamHedgingTest.Collector holding = watch(watcher);
    StreamHedgingTest.Collector rejected = watch(watcher);

    assertThat(rejected.error).isInstanceOf(BulkheadFullException.class);
    assertThat(stopped("rpc.client.call")).singleElement()
        .satisfies(c -> assertThat(c.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("bulkhead_full"));
    holding.subscription.cancel();
    assertThat(stopped("rpc.client.call")).hasSize(2)
        .last().satisfies(c -> assertThat(c.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("cancelled"));
  }

  @Test
  void withoutARegistryAStreamsAttemptsCarryNoHeaders() {
    Watcher watcher = RpcProxy.builder(Watcher.class).transport(transport).timeSource(time).build();
    watch(watcher);
    assertThat(transport.attempt(0).context().headers()).isEmpty();
    assertThat(registry).doesNotHaveAnyObservation();
  }
}
