package dev.rpcproxy.samples.observe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the demo reports, read from the meter registry at one moment: each client's counts,
 * the orders by outcome with their latencies, and the requests each downstream service received.
 * Subtracting two snapshots gives what happened in between. Immutable.
 */
public record Snapshot(long nanos, Map<String, ClientCounts> clients, Map<String, Long> orders,
    Histogram orderLatency, Map<String, Long> downstreamRequests) {

  public Snapshot {
    clients = Map.copyOf(clients);
    orders = Map.copyOf(orders);
    downstreamRequests = Map.copyOf(downstreamRequests);
  }

  /** One client's counts. */
  public ClientCounts client(String name) {
    return clients.get(name);
  }

  /** Orders that ended with {@code outcome} ({@code placed}, {@code rejected}, {@code failed}). */
  public long orders(String outcome) {
    return orders.getOrDefault(outcome, 0L);
  }

  public long ordersTotal() {
    return orders.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The 99th percentile of order latency in ms. */
  public double orderP99Millis() {
    return orderLatency.quantileMillis(0.99);
  }

  /** Requests the downstream service {@code service} received (retries included). */
  public long downstreamRequests(String service) {
    return downstreamRequests.getOrDefault(service, 0L);
  }

  /** Seconds from {@code earlier} to this one. */
  public double secondsSince(Snapshot earlier) {
    return (nanos - earlier.nanos) / 1e9;
  }

  /** What happened between {@code earlier} and this snapshot. */
  public Snapshot minus(Snapshot earlier) {
    Map<String, ClientCounts> clientDiff = new LinkedHashMap<>();
    clients.forEach((name, counts) -> clientDiff.put(name, counts.minus(earlier.client(name))));
    Map<String, Long> orderDiff = new LinkedHashMap<>();
    orders.forEach((outcome, n) -> orderDiff.put(outcome, n - earlier.orders(outcome)));
    Map<String, Long> requestDiff = new LinkedHashMap<>();
    downstreamRequests.forEach((service, n) -> requestDiff.put(service, n - earlier.downstreamRequests(service)));
    return new Snapshot(nanos - earlier.nanos, clientDiff, orderDiff, orderLatency.minus(earlier.orderLatency),
        requestDiff);
  }
}
