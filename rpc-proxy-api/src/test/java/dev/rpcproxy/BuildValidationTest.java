package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class BuildValidationTest {
  interface Api {
    String get(String id);
  }

  interface WithFuture {
    Future<String> get(String id);
  }

  @SuppressWarnings("rawtypes")
  interface WithRawFuture {
    CompletableFuture get(String id);
  }

  private static final Api IMPL = id -> id;

  @Test
  void rejectsNonInterfaces() {
    assertThatThrownBy(() -> RpcProxy.builder(String.class))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.String is not an interface");
  }

  @Test
  void requiresATransport() {
    assertThatThrownBy(() -> RpcProxy.builder(Api.class).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("BuildValidationTest$Api")
        .hasMessageContaining("no transport");
  }

  @Test
  void unknownMethodNamesInOverridesNameInterfaceAndMethod() {
    assertThatThrownBy(() -> RpcProxy.builder(Api.class).transport(Transports.inline(IMPL))
        .policy("gett", Policy.builder().build()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BuildValidationTest$Api.gett").hasMessageContaining("[get]");
    assertThatThrownBy(() -> RpcProxy.builder(Api.class).transport(Transports.inline(IMPL))
        .fallback("nope", Fallbacks.value("x")).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Api.nope");
  }

  @Test
  void unsupportedReturnTypesAreRejected() {
    assertThatThrownBy(() -> RpcProxy.builder(WithFuture.class).transport(Transports.inline(new Object())).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("WithFuture.get").hasMessageContaining("Future is not supported");
    assertThatThrownBy(() -> RpcProxy.builder(WithRawFuture.class).transport(Transports.inline(new Object())).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("WithRawFuture.get").hasMessageContaining("type argument");
  }

  @Test
  void directTargetMustImplementTheInterface() {
    assertThatThrownBy(() -> RpcProxy.builder(Api.class).transport(Transports.direct("not an Api")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BuildValidationTest$Api.get").hasMessageContaining("does not implement");
  }

  @Test
  void implementationFallbackMustHaveTheMethod() {
    assertThatThrownBy(() -> RpcProxy.builder(Api.class).transport(Transports.inline(IMPL))
        .fallback(Fallbacks.implementation(new Object())).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("BuildValidationTest$Api.get").hasMessageContaining("has no method get");
  }

  @Test
  void invalidPolicyValuesSayWhatWasWrong() {
    assertThatThrownBy(() -> Policy.builder().timeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive");
    assertThatThrownBy(() -> Policy.builder().timeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    assertThatThrownBy(() -> Policy.builder().maxConcurrentCalls(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxConcurrentCalls must be at least 1, was 0");
    assertThatThrownBy(() -> Policy.builder().maxWaitForPermit(Duration.ofMillis(-5)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWaitForPermit");
    assertThatThrownBy(() -> RetryPolicy.builder().maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts must be at least 1");
    assertThatThrownBy(() -> RetryPolicy.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max backoff");
    assertThatThrownBy(() -> RetryPolicy.builder().jitter(1.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("jitter");
    assertThatThrownBy(() -> RetryPolicy.builder().multiplier(0.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiplier");
    assertThatThrownBy(() -> RetryPolicy.builder().budget(-1, 0, Duration.ofSeconds(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget ratio");
    assertThatThrownBy(() -> RetryPolicy.builder().budget(0.2, 1, Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget window");
    assertThatThrownBy(() -> Fallbacks.cached(0, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEntries");
    assertThatThrownBy(() -> Transports.direct(IMPL, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxThreads");
    assertThatThrownBy(() -> RpcProxy.builder(Api.class).name(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be blank");
  }
}
