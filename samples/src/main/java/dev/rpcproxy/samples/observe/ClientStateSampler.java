package dev.rpcproxy.samples.observe;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Samples the clients' breaker states and bulkhead occupancy from their gauges every few
 * milliseconds: records each breaker state change, and the most calls in flight since last asked.
 * (The library publishes these as meters; it exposes no breaker objects.) A state held for less
 * than the sampling interval could be missed; at the demo's call rates a probe round lasts longer.
 */
public final class ClientStateSampler {
  private final RegistryReader reader;
  private final Map<String, String> lastState = new HashMap<>();
  private final Map<String, Integer> maxInFlight = new HashMap<>();
  private final List<Transition> transitions = new ArrayList<>();

  public ClientStateSampler(RegistryReader reader) {
    this.reader = reader;
  }

  /** Reads every client's gauges once. Called from one thread. */
  public void sample() {
    long now = System.nanoTime();
    for (String client : reader.clients()) {
      String state = reader.breakerState(client).orElse(null);
      String before;
      synchronized (this) {
        before = lastState.put(client, state);
        maxInFlight.merge(client, reader.inFlight(client), Math::max);
        if (before != null && state != null && !before.equals(state)) {
          transitions.add(new Transition(now, client, before, state));
        }
      }
    }
  }

  /** The most calls the client had in flight at a sample since the last call of this method. */
  public synchronized int takeMaxInFlight(String client) {
    Integer max = maxInFlight.remove(client);
    return max != null ? max : Math.max(0, reader.inFlight(client));
  }

  /** The changes recorded in {@code [fromNanos, toNanos)}, oldest first. */
  public synchronized List<Transition> between(long fromNanos, long toNanos) {
    return transitions.stream().filter(t -> t.nanos() >= fromNanos && t.nanos() < toNanos).toList();
  }

  /** A breaker's change from one state to another, states in upper case as in {@code OPEN}. */
  public record Transition(long nanos, String client, String from, String to) {}
}
