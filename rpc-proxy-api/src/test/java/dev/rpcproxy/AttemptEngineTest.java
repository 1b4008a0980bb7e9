package dev.rpcproxy;

import static dev.rpcproxy.testing.ScriptedTransport.answer;
import static dev.rpcproxy.testing.ScriptedTransport.fail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.AttemptKind;
import dev.rpcproxy.testing.Failures;
import dev.rpcproxy.testing.FakeTime;
import dev.rpcproxy.testing.ScriptedTransport;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.StreamingMethod;
import dev.rpcproxy.spi.Transport;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The attempt engine's decisions, one table run three times: through a blocking method (the
 * caller's thread, {@code CallPipeline}), a {@code CompletableFuture} method ({@code AsyncCall})
 * and a server-streaming method ({@code StreamCall}, each attempt answering with one message).
 * All must reach the same outcome, attempts and breaker records for the same script.
 */
class AttemptEngineTest {
  interface Api {
    String get(String id);

    CompletableFuture<String> getAsync(String id);

    Flow.Publisher<String> watch(String id);
  }

  /** How the table's call is made. */
  enum Shape {
    BLOCKING("get"), ASYNC("getAsync"), STREAM("watch");

    final String method;

    Shape(String method) {
      this.method = method;
    }
  }

  /**
   * The scripted transport for every shape: a streaming attempt runs the next step of the same
   * script when it is opened, and answers its value as the stream's one message.
   */
  private static Transport allShapes(ScriptedTransport unary) {
    return context -> {
      BoundMethod bound = unary.bind(context);
      if (!context.streaming()) {
        return bound;
      }
      return new StreamingMethod() {
        @Override
        public void open(Object[] args, AttemptContext attempt, Flow.Subscriber<Object> messages) {
          Object value = null;
          Throwable failure = null;
          try {
            value = bound.invoke(args, attempt);
          } catch (Throwable t) {
            failure = t;
          }
          OneMessage stream = new OneMessage(messages, value, failure == null);
          messages.onSubscribe(stream);
          if (failure != null) {
            messages.onError(failure);
          }
        }

        @Override
        public boolean isIdempotent() {
          return bound.isIdempotent();
        }
      };
    };
  }

  private static final RuntimeException CALLER = Failures.badRequest();
  private static final RuntimeException RETRYABLE = Failures.unavailable();
  private static final RuntimeException FATAL = Failures.notImplemented();

  /** An attempt cut by its own timeout while the call has time left. */
  private static Function<AttemptContext, Object> attemptTimesOut() {
    return a -> {
      throw a.timeoutException("engine", "get", null);
    };
  }

  record Case(String name, List<Function<AttemptContext, Object>> script, String outcome, String answer,
      Class<? extends Throwable> thrown, int attempts, int retries, int breakerFailures, int breakerSuccesses) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> table() {
    List<Case> cases = List.of(
        new Case("first attempt succeeds", List.of(answer("a")), "success", "a", null, 1, 0, 0, 1),
        new Case("two retryable failures, then success", List.of(fail(RETRYABLE), fail(RETRYABLE), answer("b")),
            "success", "b", null, 3, 2, 2, 1),
        new Case("caller's error: not retried, not counted", List.of(fail(CALLER)),
            "client_error", null, RemoteCallException.class, 1, 0, 0, 0),
        new Case("non-retryable failure: not retried, counted", List.of(fail(FATAL)),
            "failure", null, RemoteCallException.class, 1, 0, 1, 0),
        new Case("retryable failures until attempts run out", List.of(fail(RETRYABLE), fail(RETRYABLE), fail(RETRYABLE)),
            "failure", null, RemoteCallException.class, 3, 2, 3, 0),
        new Case("attempt timeout is retried while the call has time", List.of(attemptTimesOut(), answer("c")),
            "success", "c", null, 2, 1, 1, 1),
        new Case("retryable then caller's error", List.of(fail(RETRYABLE), fail(CALLER)),
            "client_error", null, RemoteCallException.class, 2, 1, 1, 0));
    return cases.stream().flatMap(c -> Stream.of(Shape.values()).map(shape -> Arguments.of(c, shape)));
  }

  /** A stream of one message, sent with its end on the first request. */
  private static final class OneMessage implements Flow.Subscription {
    private final Flow.Subscriber<Object> messages;
    private final Object value;
    private boolean pending;

    OneMessage(Flow.Subscriber<Object> messages, Object value, boolean pending) {
      this.messages = messages;
      this.value = value;
      this.pending = pending;
    }

    @Override
    public void request(long n) {
      synchronized (this) {
        if (!pending) {
          return;
        }
        pending = false;
      }
      messages.onNext(value);
      messages.onComplete();
    }

    @Override
    public synchronized void cancel() {
      pending = false;
    }
  }

  @ParameterizedTest(name = "{0} ({1})")
  @MethodSource("table")
  void sameDecisionsBlockingAsyncAndStreaming(Case c, Shape shape) {
    FakeTime time = new FakeTime();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ScriptedTransport transport = new ScriptedTransport().then(c.script().toArray(Function[]::new));
    Api api = RpcProxy.builder(Api.class).name("engine").transport(allShapes(transport)).timeSource(time)
        .meterRegistry(registry)
        .policy(Policy.builder().timeout(Duration.ofSeconds(5)).attemptTimeout(Duration.ofMillis(200))
            .retry(RetryPolicy.builder().maxAttempts(3).jitter(0).backoff(Duration.ofMillis(10), Duration.ofMillis(10)).build())
            .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(100).minimumNumberOfCalls(100).build())
            .build())
        .build();

    Object value = null;
    Throwable thrown;
    if (shape == Shape.STREAM) {
      CompletableFuture<List<String>> messages = new CompletableFuture<>();
      api.watch("x").subscribe(new Flow.Subscriber<>() {
        private final List<String> received = new java.util.ArrayList<>();

        @Override
        public void onSubscribe(Flow.Subscription s) {
          s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String item) {
          received.add(item);
        }

        @Override
        public void onError(Throwable t) {
          messages.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
          messages.complete(received);
        }
      });
      for (int i = 0; i < 10 && !messages.isDone(); i++) {
        time.advance(Duration.ofMillis(10));
      }
      assertThat(messages).isDone();
      thrown = catchThrowable(messages::join);
      if (thrown instanceof CompletionException) {
        thrown = thrown.getCause();
      }
      value = thrown == null ? String.join(",", messages.join()) : null;
    } else if (shape == Shape.ASYNC) {
      CompletableFuture<String> future = api.getAsync("x");
      // Backoff waits of async calls run on the time source's timer: move time until done.
      for (int i = 0; i < 10 && !future.isDone(); i++) {
        time.advance(Duration.ofMillis(10));
      }
      assertThat(future).isDone();
      thrown = catchThrowable(future::join);
      if (thrown instanceof CompletionException) {
        thrown = thrown.getCause();
      }
      value = thrown == null ? future.join() : null;
    } else {
      String[] result = new String[1];
      thrown = catchThrowable(() -> result[0] = api.get("x"));
      value = result[0];
    }

    if (c.thrown() == null) {
      assertThat(thrown).isNull();
      assertThat(value).isEqualTo(c.answer());
    } else {
      assertThat(thrown).isInstanceOf(c.thrown());
    }
    String method = shape.method;
    assertThat(registry.get("rpc.client.calls").tags("method", method, "outcome", c.outcome()).timer().count())
        .isEqualTo(1);
    assertThat(transport.attempts()).hasSize(c.attempts());
    assertThat(transport.attempts().get(0).kind()).isEqualTo(AttemptKind.FIRST);
    assertThat(transport.attempts().subList(1, c.attempts()))
        .allSatisfy(a -> assertThat(a.kind()).isEqualTo(AttemptKind.RETRY));
    assertThat(transport.attempts()).extracting(AttemptContext::number)
        .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, c.attempts()).boxed().toList());
    // Each attempt's deadline is the attempt timeout, well inside the call's 5 s.
    assertThat(transport.attempts()).allSatisfy(a -> assertThat(a.callTimeout()).isEqualTo(Duration.ofSeconds(5)));
    assertThat(registry.get("rpc.client.attempts").tags("method", method, "kind", "first").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("rpc.client.attempts").tags("method", method, "kind", "retry").counter().count())
        .isEqualTo(c.retries());
    assertThat(registry.get("resilience4j.circuitbreaker.buffered.calls").tags("name", "engine", "kind", "failed")
        .gauge().value()).isEqualTo(c.breakerFailures());
    assertThat(registry.get("resilience4j.circuitbreaker.buffered.calls").tags("name", "engine", "kind", "successful")
        .gauge().value()).isEqualTo(c.breakerSuccesses());
    assertThat(registry.get("resilience4j.bulkhead.available.concurrent.calls").tags("name", "engine").gauge().value())
        .isEqualTo(Policy.DEFAULT_MAX_CONCURRENT_CALLS);
  }

  @ParameterizedTest(name = "async={0}")
  @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
  void eachAttemptEndsAtTheEarlierOfItsTimeoutAndTheCallsDeadline(boolean async) {
    FakeTime time = new FakeTime();
    long[] remaining = new long[3];
    ScriptedTransport transport = new ScriptedTransport().then(
        a -> {
          remaining[0] = a.remainingNanos();
          time.advance(Duration.ofMillis(250));
          throw a.timeoutException("engine", "get", null);
        },
        a -> {
          remaining[1] = a.remainingNanos();
          time.advance(Duration.ofMillis(250));
          throw a.timeoutException("engine", "get", null);
        },
        a -> {
          remaining[2] = a.remainingNanos();
          return "late";
        });
    Api api = RpcProxy.builder(Api.class).name("engine").transport(allShapes(transport)).timeSource(time)
        .policy(Policy.builder().timeout(Duration.ofMillis(600)).attemptTimeout(Duration.ofMillis(250))
            .retry(RetryPolicy.builder().maxAttempts(3).jitter(0).backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build())
            .build())
        .build();
    String value;
    if (async) {
      CompletableFuture<String> f = api.getAsync("x");
      for (int i = 0; i < 5 && !f.isDone(); i++) {
        time.advance(Duration.ofMillis(1));
      }
      value = f.join();
    } else {
      value = api.get("x");
    }
    assertThat(value).isEqualTo("late");
    assertThat(remaining[0]).isEqualTo(Duration.ofMillis(250).toNanos());
    assertThat(remaining[1]).isEqualTo(Duration.ofMillis(250).toNanos());
    // 600 - 250 - 1 - 250 - 1 = 98 ms left of the call: less than the attempt timeout.
    assertThat(remaining[2]).isEqualTo(Duration.ofMillis(98).toNanos());
  }
}
