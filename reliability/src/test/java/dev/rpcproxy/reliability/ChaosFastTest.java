package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chaos harness in the default build: a few seconds, a fixed seed, every invariant of the soak
 * ({@link ChaosSoakTest}) checked the same way, streams included.
 */
class ChaosFastTest {

  @Test
  void underMixedFaultsEveryPromiseHolds() throws Exception {
    ChaosHarness.Result result = new ChaosHarness(ChaosHarness.Config.fast(7)).run();
    System.out.println(result.table());

    assertThat(result.violations).as(result.table()).isEmpty();
    assertThat(result.leaks).as(result.table()).isEmpty();
    assertThat(result.maxOvershootMillis()).isLessThan(200);
    assertThat(result.rest.issued.sum()).isGreaterThan(200);
    assertThat(result.grpc.issued.sum()).isGreaterThan(200);
    // Every kind of answer happened, so the invariants were tested on each path.
    for (ChaosHarness.ClientFigures figures : new ChaosHarness.ClientFigures[] {result.rest, result.grpc}) {
      assertThat(figures.seen(ChaosHarness.Seen.SUCCESS)).as(figures.name + " successes").isPositive();
      assertThat(figures.seen(ChaosHarness.Seen.FALLBACK)).as(figures.name + " fallbacks").isPositive();
      assertThat(figures.seen(ChaosHarness.Seen.CIRCUIT_OPEN)).as(figures.name + " rejections").isPositive();
      assertThat(figures.breakerOpenings).as(figures.name + " breaker openings").isPositive();
    }
    streamsTookEveryPath(result);
    assertThat(result.streams.blocking.retriedThenDelivered.sum() + result.streams.publisher.retriedThenDelivered.sum())
        .as("streams that sent more than one attempt (retry probes at least), then delivered").isPositive();
  }

  /**
   * The same faults with the second round's policies (hedging, attempt timeouts, an adaptive
   * limit): the same invariants, the servers' bound doubled for the hedges, retries and hedges
   * within the retry budget, and hedges really sent.
   */
  @Test
  void withHedgingAttemptTimeoutsAndAnAdaptiveLimitEveryPromiseHolds() throws Exception {
    ChaosHarness.Result result = new ChaosHarness(ChaosHarness.Config.fast(7).withSecondRound()).run();
    System.out.println(result.table());

    assertThat(result.violations).as(result.table()).isEmpty();
    assertThat(result.leaks).as(result.table()).isEmpty();
    assertThat(result.maxOvershootMillis()).isLessThan(200);
    for (ChaosHarness.ClientFigures figures : new ChaosHarness.ClientFigures[] {result.rest, result.grpc}) {
      assertThat(figures.seen(ChaosHarness.Seen.SUCCESS)).as(figures.name + " successes").isPositive();
      assertThat(figures.attemptsHedge).as(figures.name + " hedges sent").isPositive();
      assertThat(figures.breakerOpenings).as(figures.name + " breaker openings").isPositive();
    }
    streamsTookEveryPath(result);
  }

  /**
   * Streams of both shapes ended in each way, so the stream invariants were tested on each path.
   * Retried streams are required in the first round, where retry probes make them; in the second
   * the attempt timeout retries late streams, as many or as few as the faults make.
   */
  private static void streamsTookEveryPath(ChaosHarness.Result result) {
    ChaosStreams.Figures streams = result.streams;
    for (ChaosStreams.MethodFigures method : List.of(streams.blocking, streams.publisher)) {
      assertThat(method.started.sum()).as(method.method + " streams started").isGreaterThan(100);
      assertThat(method.completed.sum()).as(method.method + " streams completed").isPositive();
      assertThat(method.closedEarly.sum()).as(method.method + " streams closed early").isPositive();
      assertThat(method.answeredByFallback.sum()).as(method.method + " streams answered by the fallback").isPositive();
      assertThat(method.failedBeforeFirst.sum()).as(method.method + " streams failed before a message").isPositive();
      assertThat(method.serviceMessages.sum()).as(method.method + " messages from the service").isPositive();
    }
    assertThat(streams.serverContextsCancelled).as("streams the server saw cancelled").isPositive();
  }
}
