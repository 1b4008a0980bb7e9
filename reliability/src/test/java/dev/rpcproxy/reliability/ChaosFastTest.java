package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The chaos harness in the default build: a few seconds, a fixed seed, every invariant of the soak
 * ({@link ChaosSoakTest}) checked the same way.
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
  }
}
