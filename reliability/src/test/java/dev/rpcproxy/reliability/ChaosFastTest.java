package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chaos harness in the default build: a few seconds, a fixed seed, every invariant of the soak
 * ({@link ChaosSoakTest}) checked the same way, streams included. Its timing invariants are judged
 * against what the machine did during the run (stalls and GC pauses around each call, calls that
 * ended in each phase: see {@link DeadlineJudge} and {@code ChaosHarness.BreakerWatch}), so it
 * holds on a loaded machine and stays strict on a quiet one; on a loaded machine, where fewer calls
 * end in the same time, the run goes on (at most 30 s) until every path below has been taken.
 */
class ChaosFastTest {

  @Test
  void underMixedFaultsEveryPromiseHolds() throws Exception {
    ChaosHarness harness = new ChaosHarness(ChaosHarness.Config.fast(7));
    ChaosHarness.Result result = harness.run(r -> untaken(r, harness, false).isEmpty());
    System.out.println(result.table());

    assertThat(result.violations).as(result.table()).isEmpty();
    assertThat(result.leaks).as(result.table()).isEmpty();
    // Judged against the machine: a call's overshoot less the stalls and GC pauses around it (DeadlineJudge).
    assertThat(result.worstNetOvershootMillis()).as(result.table()).isLessThan(200);
    assertThat(untaken(result, harness, false)).as(result.table()).isEmpty();
    for (ChaosHarness.ClientFigures figures : new ChaosHarness.ClientFigures[] {result.rest, result.grpc}) {
      assertThat(figures.breakerOpenings).as(figures.name + " breaker openings").isPositive();
    }
    assertThat(result.streams.serverContextsCancelled).as("streams the server saw cancelled").isPositive();
  }

  /**
   * The same faults with the second round's policies (hedging, attempt timeouts, an adaptive
   * limit): the same invariants, the servers' bound doubled for the hedges, retries and hedges
   * within the retry budget, and hedges really sent.
   */
  @Test
  void withHedgingAttemptTimeoutsAndAnAdaptiveLimitEveryPromiseHolds() throws Exception {
    ChaosHarness harness = new ChaosHarness(ChaosHarness.Config.fast(7).withSecondRound());
    ChaosHarness.Result result = harness.run(r -> untaken(r, harness, true).isEmpty());
    System.out.println(result.table());

    assertThat(result.violations).as(result.table()).isEmpty();
    assertThat(result.leaks).as(result.table()).isEmpty();
    assertThat(result.worstNetOvershootMillis()).as(result.table()).isLessThan(200);
    assertThat(untaken(result, harness, true)).as(result.table()).isEmpty();
    for (ChaosHarness.ClientFigures figures : new ChaosHarness.ClientFigures[] {result.rest, result.grpc}) {
      assertThat(figures.attemptsHedge).as(figures.name + " hedges sent").isPositive();
      assertThat(figures.breakerOpenings).as(figures.name + " breaker openings").isPositive();
    }
    assertThat(result.streams.serverContextsCancelled).as("streams the server saw cancelled").isPositive();
  }

  /**
   * The paths a run must have taken for its invariants to have been tested on each: every kind of
   * answer for both clients, streams of both shapes ended in each way. Retried streams are required
   * in the first round, where retry probes make them; in the second the attempt timeout retries late
   * streams, as many or as few as the faults make, and hedges must have been sent. Read during the
   * run (it goes on while any is missing) and after it.
   */
  private static List<String> untaken(ChaosHarness.Result result, ChaosHarness harness, boolean secondRound) {
    List<String> missing = new ArrayList<>();
    for (ChaosHarness.ClientFigures figures : new ChaosHarness.ClientFigures[] {result.rest, result.grpc}) {
      need(missing, figures.issued.sum() > 200, figures.name + ": more than 200 calls");
      need(missing, figures.seen(ChaosHarness.Seen.SUCCESS) > 0, figures.name + " successes");
      if (secondRound) {
        need(missing, harness.attemptsSoFar(figures.name, "hedge") > 0, figures.name + " hedges sent");
      } else {
        need(missing, figures.seen(ChaosHarness.Seen.FALLBACK) > 0, figures.name + " fallbacks");
        need(missing, figures.seen(ChaosHarness.Seen.CIRCUIT_OPEN) > 0, figures.name + " rejections by the open breaker");
      }
    }
    ChaosStreams.Figures streams = result.streams;
    for (ChaosStreams.MethodFigures method : List.of(streams.blocking, streams.publisher)) {
      need(missing, method.started.sum() > 100, method.method + ": more than 100 streams started");
      need(missing, method.completed.sum() > 0, method.method + " streams completed");
      need(missing, method.closedEarly.sum() > 0, method.method + " streams closed early");
      need(missing, method.answeredByFallback.sum() > 0, method.method + " streams answered by the fallback");
      need(missing, method.failedBeforeFirst.sum() > 0, method.method + " streams failed before a message");
      need(missing, method.serviceMessages.sum() > 0, method.method + " messages from the service");
    }
    if (!secondRound) {
      need(missing, streams.blocking.retriedThenDelivered.sum() + streams.publisher.retriedThenDelivered.sum() > 0,
          "streams that sent more than one attempt (retry probes at least), then delivered");
    }
    return missing;
  }

  private static void need(List<String> missing, boolean taken, String path) {
    if (!taken) {
      missing.add(path);
    }
  }
}
