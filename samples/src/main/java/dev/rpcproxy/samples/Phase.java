package dev.rpcproxy.samples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One stretch of a run: a {@link Scenario} for a while. A lead-in sets the stage for the scenario
 * that follows it (the breaker must be open before {@code recovering} can show it close).
 */
public record Phase(Scenario scenario, Duration length, boolean leadIn) {

  /** The name in output, e.g. {@code down} or {@code lead-in: down}. */
  public String label() {
    return (leadIn ? "lead-in: " : "") + scenario.label();
  }

  /**
   * The phases of a run of {@code total}: the whole story with lengths by weight, or one
   * scenario (after a {@code down} lead-in of 30% for {@code recovering}).
   */
  public static List<Phase> plan(Scenario only, Duration total) {
    List<Phase> phases = new ArrayList<>();
    if (only == null) {
      int weights = 0;
      for (Scenario s : Scenario.values()) {
        weights += s.weight();
      }
      for (Scenario s : Scenario.values()) {
        phases.add(new Phase(s, total.multipliedBy(s.weight()).dividedBy(weights), false));
      }
    } else if (only == Scenario.RECOVERING) {
      Duration leadIn = total.multipliedBy(3).dividedBy(10);
      phases.add(new Phase(Scenario.DOWN, leadIn, true));
      phases.add(new Phase(Scenario.RECOVERING, total.minus(leadIn), false));
    } else {
      phases.add(new Phase(only, total, false));
    }
    return phases;
  }

  /**
   * How long the breakers stay open before probing: a fifth of the shortest phase after the
   * first, so that every phase has time to show open, half-open and closed; between 250 ms and 2 s.
   */
  public static Duration breakerOpenWait(List<Phase> phases) {
    Duration shortest = phases.stream()
        .filter(p -> p.scenario() != Scenario.HEALTHY)
        .map(Phase::length)
        .min(Duration::compareTo)
        .orElse(phases.get(0).length());
    Duration wait = shortest.dividedBy(5);
    if (wait.compareTo(Duration.ofMillis(250)) < 0) {
      return Duration.ofMillis(250);
    }
    return wait.compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2) : wait;
  }
}
