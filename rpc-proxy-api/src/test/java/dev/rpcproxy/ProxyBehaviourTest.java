package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.Transport;
import dev.rpcproxy.testing.FakeTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

class ProxyBehaviourTest {
  interface Api {
    String get(String id);

    CompletionStage<String> stage(String id);

    default String greet(String name) {
      return "hello " + get(name);
    }

    @Override
    String toString();
  }

  /** Records what reaches the transport; attempts' futures stay pending until the test acts. */
  static final class Recording implements Transport {
    final List<String> bound = new ArrayList<>();
    final List<String> sent = new ArrayList<>();
    final List<CompletableFuture<Object>> pending = new ArrayList<>();
    AttemptContext lastDeadline;

    @Override
    public BoundMethod bind(MethodContext method) {
      bound.add(method.method().getName() + (method.shape() == dev.rpcproxy.spi.CallShape.ASYNC ? "(async " + method.valueType().getTypeName() + ")" : ""));
      return new BoundMethod() {
        @Override
        public Object invoke(Object[] args, AttemptContext deadline) {
          sent.add(method.method().getName());
          lastDeadline = deadline;
          return "r:" + args[0];
        }

        @Override
        public CompletableFuture<?> invokeAsync(Object[] args, AttemptContext deadline) {
          sent.add(method.method().getName());
          lastDeadline = deadline;
          CompletableFuture<Object> f = new CompletableFuture<>();
          pending.add(f);
          return f;
        }
      };
    }
  }

  @Test
  void objectAndDefaultMethodsAreNeverSent() {
    Recording transport = new Recording();
    Api api = RpcProxy.builder(Api.class).name("things").transport(transport).build();
    assertThat(transport.bound).containsExactly("get", "stage(async java.lang.String)");

    assertThat(api.equals(api)).isTrue();
    assertThat(api.equals(RpcProxy.builder(Api.class).transport(transport).build())).isFalse();
    assertThat(api.hashCode()).isEqualTo(System.identityHashCode(api));
    assertThat(api.toString()).contains("Api").contains("things");
    assertThat(api.greet("bob")).isEqualTo("hello r:bob");
    assertThat(transport.sent).containsExactly("get");
  }

  @Test
  void theDeadlineTravelsToTheTransport() {
    FakeTime time = new FakeTime();
    Recording transport = new Recording();
    Api api = RpcProxy.builder(Api.class).transport(transport).timeSource(time)
        .policy(Policy.builder().timeout(Duration.ofMillis(300)).build()).build();
    api.get("x");
    assertThat(transport.lastDeadline.callTimeout()).isEqualTo(Duration.ofMillis(300));
    assertThat(transport.lastDeadline.remainingNanos()).isEqualTo(Duration.ofMillis(300).toNanos());
  }

  @Test
  void asyncCallsNeverBlockTheCallerAndTimeOutOnTheTimer() {
    FakeTime time = new FakeTime();
    Recording transport = new Recording();
    Api api = RpcProxy.builder(Api.class).transport(transport).timeSource(time)
        .policy(Policy.builder().timeout(Duration.ofMillis(300)).build()).build();
    CompletableFuture<String> result = api.stage("x").toCompletableFuture();
    assertThat(result).isNotDone();
    time.advance(Duration.ofMillis(300));
    assertThatThrownBy(result::join).hasCauseInstanceOf(RpcTimeoutException.class);
    assertThat(transport.pending.get(0)).as("the attempt is cancelled at the deadline").isCancelled();
  }

  @Test
  void cancellingTheCallersFutureCancelsTheAttemptAndTheTimer() {
    FakeTime time = new FakeTime();
    Recording transport = new Recording();
    Api api = RpcProxy.builder(Api.class).transport(transport).timeSource(time).build();
    CompletableFuture<String> result = api.stage("x").toCompletableFuture();
    assertThat(time.pendingTasks()).isEqualTo(1);
    result.cancel(true);
    assertThat(transport.pending.get(0)).isCancelled();
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void anAttemptThatCompletesAtOnceArmsNoDeadlineTimer() {
    FakeTime time = new FakeTime();
    Api target = new Api() {
      @Override
      public String get(String id) {
        return id;
      }

      @Override
      public CompletionStage<String> stage(String id) {
        return CompletableFuture.completedFuture(id);
      }
    };
    Api api = RpcProxy.builder(Api.class).transport(Transports.inline(target)).timeSource(time).build();
    assertThat(api.stage("now").toCompletableFuture().join()).isEqualTo("now");
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void asyncSuccessCompletesWithTheValue() {
    Recording transport = new Recording();
    Api api = RpcProxy.builder(Api.class).transport(transport).build();
    CompletableFuture<String> result = api.stage("x").toCompletableFuture();
    transport.pending.get(0).complete("done");
    assertThat(result.join()).isEqualTo("done");
    assertThat(result.thenApply(String::length).join()).isEqualTo(4);
  }
}
