package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The chaos harness's timing judges on made-up machines: the deadline bound ({@link DeadlineJudge})
 * on recorded stalls and GC pauses, the breaker's phases ({@code ChaosHarness.BreakerWatch}) on
 * counted call ends. A quiet machine keeps the strict bound; a late call with nothing around it
 * fails however loaded the machine was elsewhere.
 */
class TimingJudgesTest {
  private static final long TIMEOUT = ms(300);
  private static final long BOUND_MS = 200;
  private static final String WHO = "client";
  /** Attempts an outage must see sent to be judged: the breaker's window + what may be in flight. */
  private static final long OUTAGE = HarnessPolicy.BREAKER_WINDOW + 8;

  private static long ms(double millis) {
    return (long) (millis * 1_000_000);
  }

  /** A call that started at {@code startMs} and ended {@code overshootMs} past its 300 ms deadline. */
  private static void call(DeadlineJudge judge, double startMs, double overshootMs) {
    judge.ended(WHO, "a call", ms(startMs), ms(startMs) + TIMEOUT + ms(overshootMs));
  }

  @Test
  void withNoStallTheOriginalBoundApplies() {
    MachinePauses quiet = MachinePauses.synthetic();
    DeadlineJudge judge = new DeadlineJudge(TIMEOUT, BOUND_MS, quiet);
    call(judge, 1_000, 199.9);
    assertThat(judge.verdict(WHO, 0).broken()).isEmpty();

    call(judge, 2_000, 200.0);
    DeadlineJudge.Verdict verdict = judge.verdict(WHO, 0);
    assertThat(verdict.broken()).hasSize(1).first().asString()
        .contains("200.0 ms past its deadline").contains("lost 0.0 ms");
    assertThat(verdict.worstNetMillis()).isEqualTo(200);
  }

  @Test
  void aLateCallWithNoStallAroundItFailsHoweverLoadedTheMachineWasElsewhere() {
    // The run of issue 23: 93 ms stalls and long GC pauses, but none around this call.
    MachinePauses loaded = MachinePauses.synthetic();
    for (int i = 0; i < 20; i++) {
      loaded.recordStall(ms(5_000 + i * 100), ms(5_000 + i * 100 + 93));
    }
    loaded.recordGcPause(ms(8_000), ms(8_900));
    DeadlineJudge judge = new DeadlineJudge(TIMEOUT, BOUND_MS, loaded);
    call(judge, 2_000, 528);

    DeadlineJudge.Verdict verdict = judge.verdict(WHO, 0);
    assertThat(verdict.broken()).hasSize(1).first().asString().contains("528.0 ms past its deadline");
    assertThat(verdict.excused()).isZero();
  }

  @Test
  void onlyTheTimeLostAroundTheCallIsTakenOff() {
    MachinePauses machine = MachinePauses.synthetic();
    // Call from 2,000 to 2,828 ms: 300 ms deadline + 528 ms. Around it: a 93 ms stall, a 250 ms GC
    // pause the probe also saw (counted once: 252 ms), and the end of a stall that began before it
    // (the window opens one probe period early).
    machine.recordStall(ms(2_100), ms(2_193));
    machine.recordGcPause(ms(2_400), ms(2_650));
    machine.recordStall(ms(2_400), ms(2_652));
    machine.recordStall(ms(1_900), ms(2_000));
    machine.recordStall(ms(3_000), ms(3_400)); // after the call: not counted
    long lost = ms(93 + 252 + MachinePauses.PERIOD_MILLIS);
    DeadlineJudge judge = new DeadlineJudge(TIMEOUT, BOUND_MS, machine);
    call(judge, 2_000, 528);
    DeadlineJudge.Verdict verdict = judge.verdict(WHO, 0);
    assertThat(verdict.broken()).isEmpty();
    assertThat(verdict.excused()).isEqualTo(1);
    assertThat(verdict.largestLostNanos()).isEqualTo(lost);
    assertThat(verdict.worstNetNanos()).isEqualTo(ms(528) - lost);

    // 1 ms more past the deadline than the machine explains: 201 ms net fails.
    double overshoot = 200 + 1 + lost / 1e6;
    call(judge, 2_000, overshoot);
    assertThat(judge.verdict(WHO, 0).broken()).hasSize(1).first().asString().contains("201.0 ms net");
  }

  @Test
  void theLiveProbeSeesAStopTheWorldPause() throws Exception {
    // A real stall of every thread is hard to make on demand; a GC is not. The listener must record
    // the pause, placed where it happened.
    try (MachinePauses pauses = MachinePauses.start()) {
      long before = System.nanoTime();
      byte[][] garbage = new byte[64][];
      for (int i = 0; i < garbage.length; i++) {
        garbage[i] = new byte[1 << 20];
      }
      System.gc();
      long after = System.nanoTime();
      // GC notifications arrive on a JDK service thread, a moment after the pause: await it, bounded.
      long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (pauses.largestGcPauseNanos(before) == 0 && System.nanoTime() < giveUp) {
        Thread.sleep(5);
      }
      pauses.close();
      assertThat(garbage[63]).hasSize(1 << 20);
      assertThat(pauses.largestGcPauseNanos(before)).as("a GC pause recorded").isPositive();
      assertThat(pauses.lostAround(before, after)).isPositive();
    }
  }

  @Test
  void anOutageWithTooFewAttemptsIsNotJudgedOneWithEnoughIs() {
    Deque<String> states = new ArrayDeque<>();
    long[] failed = {0};
    long[] recorded = {0};
    ChaosHarness.BreakerWatch watch = new ChaosHarness.BreakerWatch(states::poll, () -> failed[0], () -> recorded[0], OUTAGE);

    // Healthy phase 0, then outage 1 in which no call ended (a stalled machine) and the breaker stayed closed.
    look(watch, states, 0, false, "closed");
    look(watch, states, 1, false, "closed");
    look(watch, states, 1, true, "closed");
    assertThat(watch.openInEveryOutage()).isTrue();
    assertThat(watch.judgedOutages()).isZero();
    assertThat(watch.describe()).contains("outage[closed]/late[closed] 0 attempts sent, 0 calls recorded in the second half not judged");

    // One attempt fewer than the breaker's window plus what may be in flight.
    failed[0] += OUTAGE - 1;
    look(watch, states, 1, true, "closed");
    assertThat(watch.judgedOutages()).isZero();

    // One more: at least a window of attempts has failed, so a breaker still closed now is broken.
    failed[0]++;
    look(watch, states, 1, true, "closed");
    assertThat(watch.judgedOutages()).isEqualTo(1);
    assertThat(watch.openInEveryOutage()).isFalse();
  }

  @Test
  void aRecoveryIsJudgedByTheCallsRecordedInItsSecondHalf() {
    Deque<String> states = new ArrayDeque<>();
    long[] failed = {0};
    long[] recorded = {0};
    ChaosHarness.BreakerWatch watch = new ChaosHarness.BreakerWatch(states::poll, () -> failed[0], () -> recorded[0], OUTAGE);
    look(watch, states, 0, false, "closed");
    failed[0] += 50;
    recorded[0] += 50;
    look(watch, states, 1, false, "open");
    // Healthy phase 2: many calls recorded in its first half, few in its second; the breaker open late.
    recorded[0] += 50;
    look(watch, states, 2, false, "half_open");
    recorded[0] += 5;
    look(watch, states, 2, true, "open");
    assertThat(watch.openInEveryOutage()).isTrue();
    assertThat(watch.judgedRecoveries()).isZero();
    assertThat(watch.closedAfterEveryOutage()).isTrue();

    recorded[0] += 15;
    look(watch, states, 2, true, "open");
    assertThat(watch.judgedRecoveries()).isEqualTo(1);
    assertThat(watch.closedAfterEveryOutage()).isFalse();

    look(watch, states, 2, true, "closed");
    assertThat(watch.closedAfterEveryOutage()).isTrue();
  }

  private static void look(ChaosHarness.BreakerWatch watch, Deque<String> states, int phase, boolean late, String state) {
    states.add(state);
    watch.sample(phase, late);
  }
}
