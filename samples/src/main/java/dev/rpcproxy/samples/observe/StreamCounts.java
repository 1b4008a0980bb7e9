package dev.rpcproxy.samples.observe;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one client's streaming methods counted (since start, or between two snapshots): streams by
 * outcome (the {@code rpc.client.calls} samples of those methods, one per stream) and the messages
 * delivered from the service ({@code rpc.client.stream.messages}). A client's streaming methods are
 * those the library registered a message counter for. Immutable.
 */
public record StreamCounts(List<String> methods, Map<String, Long> calls, double messages) {

  public StreamCounts {
    methods = List.copyOf(methods);
    calls = Map.copyOf(calls);
  }

  /** Streams that ended with {@code outcome} ({@code success}, {@code timeout}, ...). */
  public long calls(String outcome) {
    return calls.getOrDefault(outcome, 0L);
  }

  /** Streams of any outcome. */
  public long total() {
    return calls.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Streams rejected before a request was sent: bulkhead full or breaker open. */
  public long rejected() {
    return calls(Outcomes.BULKHEAD_FULL) + calls(Outcomes.CIRCUIT_OPEN);
  }

  /** Streams that failed: the service's failures and the caller's errors. */
  public long failed() {
    return calls(Outcomes.FAILURE) + calls(Outcomes.CLIENT_ERROR);
  }

  StreamCounts minus(StreamCounts earlier) {
    Map<String, Long> diff = new TreeMap<>();
    calls.forEach((outcome, n) -> diff.put(outcome, n - earlier.calls(outcome)));
    return new StreamCounts(methods, diff, messages - earlier.messages);
  }
}
