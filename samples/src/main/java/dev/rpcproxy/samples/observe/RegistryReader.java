package dev.rpcproxy.samples.observe;

import dev.rpcproxy.samples.downstream.Downstream;
import dev.rpcproxy.samples.load.LoadGenerator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Reads the demo's figures from the meter registry, by the names rpc-proxy documents:
 * {@code rpc.client.calls{client,method,outcome}}, {@code rpc.client.fallbacks{client,method}},
 * {@code rpc.client.concurrency.limit{client}}, {@code rpc.client.concurrency.in.flight{client}},
 * {@code rpc.client.attempts{client,method,kind}}, {@code rpc.client.stream.messages{client,method}}
 * (registered for each streaming method, which is how the streams' calls are told apart), and
 * Resilience4j's {@code resilience4j.circuitbreaker.state{name,state}} (a client's breaker is
 * named after it).
 */
public final class RegistryReader {
  static final String CALLS = "rpc.client.calls";
  static final String FALLBACKS = "rpc.client.fallbacks";
  static final String ATTEMPTS = "rpc.client.attempts";
  static final String STREAM_MESSAGES = "rpc.client.stream.messages";
  static final List<String> ATTEMPT_KINDS = List.of("first", "retry", "hedge");
  static final String BREAKER_STATE = "resilience4j.circuitbreaker.state";
  static final String LIMIT = "rpc.client.concurrency.limit";
  static final String IN_FLIGHT = "rpc.client.concurrency.in.flight";
  static final String DOWNSTREAM_REQUESTS = "demo.downstream.requests";
  static final List<String> ORDER_OUTCOMES = List.of("placed", "rejected", "failed");

  private final MeterRegistry registry;
  private final List<String> clients;

  public RegistryReader(MeterRegistry registry, List<String> clients) {
    this.registry = registry;
    this.clients = List.copyOf(clients);
  }

  public List<String> clients() {
    return clients;
  }

  /** Reads every figure now. */
  public Snapshot snapshot() {
    long now = System.nanoTime();
    Map<String, ClientCounts> counts = new LinkedHashMap<>();
    for (String client : clients) {
      counts.put(client, counts(client));
    }
    Map<String, Long> orders = new LinkedHashMap<>();
    for (String outcome : ORDER_OUTCOMES) {
      orders.put(outcome, registry.find(LoadGenerator.ORDERS).tag("outcome", outcome).timers().stream()
          .mapToLong(Timer::count).sum());
    }
    Histogram orderLatency = Histogram.of(registry.find(LoadGenerator.ORDERS).timers());
    Map<String, Long> requests = new LinkedHashMap<>();
    for (Downstream service : Downstream.values()) {
      requests.put(service.label(), (long) registry.find(DOWNSTREAM_REQUESTS).tag("service", service.label())
          .functionCounters().stream().mapToDouble(FunctionCounter::count).sum());
    }
    return new Snapshot(now, counts, orders, orderLatency, requests);
  }

  private ClientCounts counts(String client) {
    Collection<Counter> messageCounters = registry.find(STREAM_MESSAGES).tag("client", client).counters();
    Set<String> streamMethods = messageCounters.stream().map(c -> c.getId().getTag("method"))
        .collect(Collectors.toCollection(TreeSet::new));
    Map<String, Long> calls = new LinkedHashMap<>();
    Map<String, Long> streamCalls = new LinkedHashMap<>();
    for (String outcome : Outcomes.ALL) {
      Collection<Timer> timers = registry.find(CALLS).tag("client", client).tag("outcome", outcome).timers();
      calls.put(outcome, timers.stream().mapToLong(Timer::count).sum());
      streamCalls.put(outcome, timers.stream().filter(t -> streamMethods.contains(t.getId().getTag("method")))
          .mapToLong(Timer::count).sum());
    }
    StreamCounts streams = new StreamCounts(List.copyOf(streamMethods), streamCalls,
        messageCounters.stream().mapToDouble(Counter::count).sum());
    Map<String, Long> attempts = new LinkedHashMap<>();
    for (String kind : ATTEMPT_KINDS) {
      attempts.put(kind, (long) registry.find(ATTEMPTS).tag("client", client).tag("kind", kind).counters().stream()
          .mapToDouble(Counter::count).sum());
    }
    double fallbacks = registry.find(FALLBACKS).tag("client", client).counters().stream()
        .mapToDouble(Counter::count).sum();
    List<Timer> unary = registry.find(CALLS).tag("client", client).timers().stream()
        .filter(t -> !streamMethods.contains(t.getId().getTag("method"))).toList();
    return new ClientCounts(calls, attempts, fallbacks, Histogram.of(unary), Math.max(0, inFlight(client)), streams);
  }

  /**
   * The state of the client's breaker in upper case ({@code CLOSED}, {@code OPEN},
   * {@code HALF_OPEN}, ...), read from the state gauge that is 1 for the current state.
   */
  public Optional<String> breakerState(String client) {
    for (Gauge gauge : registry.find(BREAKER_STATE).tag("name", client).gauges()) {
      if (gauge.value() >= 1) {
        return Optional.ofNullable(gauge.getId().getTag("state")).map(s -> s.toUpperCase(Locale.ROOT));
      }
    }
    return Optional.empty();
  }

  /** The client's concurrency limit in force (fixed or adaptive), or -1 if it has none in the registry. */
  public int bulkheadLimit(String client) {
    Gauge limit = registry.find(LIMIT).tag("client", client).gauge();
    return limit == null ? -1 : (int) limit.value();
  }

  /** Calls holding a permit of the concurrency limit now, or -1. */
  public int inFlight(String client) {
    Gauge inFlight = registry.find(IN_FLIGHT).tag("client", client).gauge();
    return inFlight == null ? -1 : (int) inFlight.value();
  }
}
