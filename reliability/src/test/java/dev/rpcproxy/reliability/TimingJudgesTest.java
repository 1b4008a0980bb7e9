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
  void anOutageInWhichTooFewCallsEndedIsNotJudgedOneWithEnoughIs() {
    Deque<String> states = new ArrayDeque<>();
    ChaosHarness.ClientFigures figures = new ChaosHarness.ClientFigures("client");
    ChaosHarness.BreakerWatch watch = new ChaosHarness.BreakerWatch(states::poll, figures);

    // Healthy phase 0, then outage 1 in which no call ended (a stalled machine) and the breaker stayed closed.
    look(watch, states, 0, false, "closed");
    look(watch, states, 1, false, "closed");
    look(watch, states, 1, true, "closed");
    assertThat(watch.openInEveryOutage()).isTrue();
    assertThat(watch.judgedOutages()).isZero();
    assertThat(watch.describe()).contains("outage[closed]/late[closed] 0 calls ended (0 late) not judged");

    // 19 calls ended in it: still fewer than the breaker's window.
    end(figures, 1, HarnessPolicy.BREAKER_WINDOW - 1);
    look(watch, states, 1, true, "closed");
    assertThat(watch.judgedOutages()).isZero();

    // The 20th: every attempt of an outage fails, so a breaker still closed now is broken.
    end(figures, 1, 1);
    look(watch, states, 1, true, "closed");
    assertThat(watch.judgedOutages()).isEqualTo(1);
    assertThat(watch.openInEveryOutage()).isFalse();
  }

  @Test
  void aRecoveryIsJudgedByTheCallsThatEndedInItsSecondHalf() {
    Deque<String> states = new ArrayDeque<>();
    ChaosHarness.ClientFigures figures = new ChaosHarness.ClientFigures("client");
    ChaosHarness.BreakerWatch watch = new ChaosHarness.BreakerWatch(states::poll, figures);
    look(watch, states, 0, false, "closed");
    end(figures, 1, 30);
    look(watch, states, 1, false, "open");
    // Healthy phase 2: many calls ended early in it, few late; the breaker still open late.
    endAt(figures, ChaosHarness.slot(2, false), 50);
    endAt(figures, ChaosHarness.slot(2, true), 5);
    look(watch, states, 2, true, "open");
    assertThat(watch.openInEveryOutage()).isTrue();
    assertThat(watch.judgedRecoveries()).isZero();
    assertThat(watch.closedAfterEveryOutage()).isTrue();

    endAt(figures, ChaosHarness.slot(2, true), 15);
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

  private static void end(ChaosHarness.ClientFigures figures, int phase, int calls) {
    endAt(figures, ChaosHarness.slot(phase, false), calls);
  }

  private static void endAt(ChaosHarness.ClientFigures figures, int slot, int calls) {
    figures.endedBySlot.computeIfAbsent(slot, s -> new java.util.concurrent.atomic.LongAdder()).add(calls);
  }
}
