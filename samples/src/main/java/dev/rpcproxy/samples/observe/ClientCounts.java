package dev.rpcproxy.samples.observe;

import java.util.Map;
import java.util.TreeMap;

/**
 * What one rpc-proxy client's meters counted (since start, or between two snapshots): calls by
 * outcome (streams included), attempts sent by kind ({@code first}, {@code retry}, {@code hedge}),
 * fallbacks served, the latency histogram of its calls (streams left out: a stream's time is how
 * long it was read, not a call's latency), the calls in flight (at the snapshot, or its change
 * between two), and its streams. Immutable.
 */
public record ClientCounts(Map<String, Long> calls, Map<String, Long> attempts, double fallbacks, Histogram latency,
    long inFlight, StreamCounts streams) {
  static final String ATTEMPT_FIRST = "first";
  static final String ATTEMPT_HEDGE = "hedge";

  public ClientCounts {
    calls = Map.copyOf(calls);
    attempts = Map.copyOf(attempts);
  }

  /** Attempts of {@code kind} ({@code first}, {@code retry}, {@code hedge}) really sent. */
  public long attempts(String kind) {
    return attempts.getOrDefault(kind, 0L);
  }

  /** Hedges sent: copies of a slow call's request. */
  public long hedges() {
    return attempts(ATTEMPT_HEDGE);
  }

  /** Hedges as a share of the calls' first attempts, in %; NaN without calls sent. */
  public double hedgeLoadPercent() {
    long first = attempts(ATTEMPT_FIRST);
    return first == 0 ? Double.NaN : 100.0 * hedges() / first;
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

  /** The 99th percentile of call latency in ms (streams left out), NaN without calls. */
  public double p99Millis() {
    return latency.quantileMillis(0.99);
  }

  ClientCounts minus(ClientCounts earlier) {
    Map<String, Long> diff = new TreeMap<>();
    calls.forEach((outcome, n) -> diff.put(outcome, n - earlier.calls(outcome)));
    Map<String, Long> attemptDiff = new TreeMap<>();
    attempts.forEach((kind, n) -> attemptDiff.put(kind, n - earlier.attempts(kind)));
    return new ClientCounts(diff, attemptDiff, fallbacks - earlier.fallbacks, latency.minus(earlier.latency),
        inFlight - earlier.inFlight, streams.minus(earlier.streams));
  }
}
