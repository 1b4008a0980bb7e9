package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.testing.FakeTime;
import dev.rpcproxy.testing.ScriptedTransport;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link Deadlines}: the inbound deadline of a request caps every call made while handling it. */
class DeadlinesTest {
  interface Api {
    String get(String id);

    CompletableFuture<String> getAsync(String id);
  }

  private final ScriptedTransport transport = new ScriptedTransport();
  private final Api api = RpcProxy.builder(Api.class).transport(transport).timeSource(new FakeTime())
      .policy(Policy.builder().timeout(Duration.ofSeconds(10)).build()).build();

  @Test
  void aScopeCapsTheDeadlineOfCallsMadeInsideIt() {
    // The scope runs on real time: 2 s, not 50 ms, so that it has not passed before the calls are
    // made on a loaded machine (at load 20 the async call found its 50 ms gone); still well under
    // the policy's 10 s, which the calls would get without it.
    try (Deadlines.Scope scope = Deadlines.within(Duration.ofSeconds(2))) {
      api.get("a");
      api.getAsync("b").join();
    }
    api.get("c");
    assertThat(transport.attempts().get(0).remainingNanos()).isLessThanOrEqualTo(Duration.ofSeconds(2).toNanos());
    assertThat(transport.attempts().get(1).remainingNanos()).isLessThanOrEqualTo(Duration.ofSeconds(2).toNanos());
    assertThat(transport.attempts().get(2).remainingNanos()).isEqualTo(Duration.ofSeconds(10).toNanos());
  }

  @Test
  void theEarlierDeadlineWinsAndClosingRestoresTheOuterOne() {
    try (Deadlines.Scope outer = Deadlines.within(Duration.ofSeconds(2))) {
      try (Deadlines.Scope inner = Deadlines.within(Duration.ofSeconds(5))) {
        assertThat(Deadlines.timeLeft().orElseThrow()).isLessThanOrEqualTo(Duration.ofSeconds(2));
      }
      try (Deadlines.Scope inner = Deadlines.within(Duration.ofMillis(100))) {
        assertThat(Deadlines.timeLeft().orElseThrow()).isLessThanOrEqualTo(Duration.ofMillis(100));
      }
      assertThat(Deadlines.timeLeft().orElseThrow()).isGreaterThan(Duration.ofMillis(100));
    }
    assertThat(Deadlines.timeLeft()).isEmpty();
  }

  @Test
  void aHeaderValueOpensAScopeAndABadOneCapsNothing() {
    try (Deadlines.Scope scope = Deadlines.fromHeader("250")) {
      assertThat(Deadlines.timeLeft().orElseThrow()).isLessThanOrEqualTo(Duration.ofMillis(250)).isPositive();
    }
    for (String bad : new String[] {null, "", " ", "soon", "-5", "1e3"}) {
      try (Deadlines.Scope scope = Deadlines.fromHeader(bad)) {
        assertThat(Deadlines.timeLeft()).as("header %s", bad).isEmpty();
      }
    }
  }

  @Test
  void aSpentInboundDeadlineEndsTheCallBeforeItIsSent() {
    try (Deadlines.Scope scope = Deadlines.within(Duration.ZERO)) {
      assertThatThrownBy(() -> api.get("late")).isInstanceOf(RpcTimeoutException.class);
    }
  }
}
