package dev.rpcproxy.samples.observe;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one rpc-proxy client's meters counted (since start, or between two snapshots): calls by
 * outcome, fallbacks served, the latency histogram, and the calls in flight (at the snapshot, or
 * its change between two). Immutable.
 */
public record ClientCounts(Map<String, Long> calls, double fallbacks, Histogram latency, long inFlight) {

  public ClientCounts {
    calls = Map.copyOf(calls);
  }

  /** Calls that ended with {@code outcome} ({@code success}, {@code timeout}, ...). */
  public long calls(String outcome) {
    return calls.getOrDefault(outcome, 0L);
  }

  /** Calls of any outcome. */
  public long total() {
    return calls.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Calls that were sent to the service: neither rejected by the bulkhead nor by an open breaker. */
  public long attempted() {
    return total() - calls(Outcomes.BULKHEAD_FULL) - calls(Outcomes.CIRCUIT_OPEN);
  }

  /** The 99th percentile of call latency in ms, NaN without calls. */
  public double p99Millis() {
    return latency.quantileMillis(0.99);
  }

  ClientCounts minus(ClientCounts earlier) {
    Map<String, Long> diff = new TreeMap<>();
    calls.forEach((outcome, n) -> diff.put(outcome, n - earlier.calls(outcome)));
    return new ClientCounts(diff, fallbacks - earlier.fallbacks, latency.minus(earlier.latency),
        inFlight - earlier.inFlight);
  }
}
