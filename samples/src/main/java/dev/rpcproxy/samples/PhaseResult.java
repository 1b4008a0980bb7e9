package dev.rpcproxy.samples;

import dev.rpcproxy.samples.observe.ClientCounts;
import dev.rpcproxy.samples.observe.ClientStateSampler.Transition;
import dev.rpcproxy.samples.observe.Format;
import dev.rpcproxy.samples.observe.Snapshot;
import java.util.List;
import java.util.Map;

/**
 * What one phase did, as the registry counted it.
 *
 * @param phase the phase
 * @param startNanos when it began ({@link System#nanoTime()})
 * @param delta calls, fallbacks, orders and downstream requests during the phase
 * @param startStates each client's breaker state when the phase began
 * @param transitions the breaker state changes during the phase, oldest first
 * @param maxInFlight the most calls each client had in flight, as sampled
 * @param limits each client's concurrency limit at the phase's end (adaptive for restaurants)
 */
public record PhaseResult(Phase phase, long startNanos, Snapshot delta, Map<String, String> startStates,
    List<Transition> transitions, Map<String, Integer> maxInFlight, Map<String, Integer> limits) {

  public PhaseResult {
    startStates = Map.copyOf(startStates);
    transitions = List.copyOf(transitions);
    maxInFlight = Map.copyOf(maxInFlight);
    limits = Map.copyOf(limits);
  }

  /** One client's counts in this phase. */
  public ClientCounts client(String name) {
    return delta.client(name);
  }

  /** The states {@code client}'s breaker changed to, in order. */
  public List<String> statesOf(String client) {
    return transitions.stream().filter(t -> t.client().equals(client)).map(Transition::to).toList();
  }

  /** How often {@code client}'s breaker changed to {@code state}. */
  public long changesTo(String client, String state) {
    return statesOf(client).stream().filter(state::equals).count();
  }

  /** Seconds from the phase's start to the first change of {@code client}'s breaker to {@code state}, or -1. */
  public double firstChangeTo(String client, String state) {
    return transitions.stream()
        .filter(t -> t.client().equals(client) && t.to().equals(state))
        .mapToDouble(t -> (t.nanos() - startNanos) / 1e9)
        .findFirst().orElse(-1);
  }

  /** The breaker's path through the phase, e.g. {@code C→O→H→C}. */
  public String breakerPath(String client) {
    return Format.path(startStates.getOrDefault(client, "?"), statesOf(client));
  }

  /**
   * Retries the client made: requests the service received, minus calls that reached it, minus
   * the hedges sent, minus the change in calls in flight (the service counts a request when it
   * arrives, the client a call when it ends). An estimate, never negative.
   */
  public long retries(String client) {
    ClientCounts c = client(client);
    return Math.max(0, delta.downstreamRequests(client) - c.attempted() - c.hedges() - c.inFlight());
  }
}
