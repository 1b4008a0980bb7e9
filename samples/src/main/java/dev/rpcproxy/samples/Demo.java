package dev.rpcproxy.samples;

import dev.rpcproxy.samples.downstream.DaemonThreads;
import dev.rpcproxy.samples.downstream.FaultInjector;
import dev.rpcproxy.samples.downstream.GrpcServices;
import dev.rpcproxy.samples.downstream.RestaurantCatalog;
import dev.rpcproxy.samples.downstream.RestaurantServer;
import dev.rpcproxy.samples.load.LoadGenerator;
import dev.rpcproxy.samples.observe.ClientStateSampler;
import dev.rpcproxy.samples.observe.DeadlineBuckets;
import dev.rpcproxy.samples.observe.Format;
import dev.rpcproxy.samples.observe.LiveTable;
import dev.rpcproxy.samples.observe.MetricsServer;
import dev.rpcproxy.samples.observe.RegistryReader;
import dev.rpcproxy.samples.observe.Snapshot;
import dev.rpcproxy.samples.order.FtgoClients;
import dev.rpcproxy.samples.order.OrderRequest;
import dev.rpcproxy.samples.order.OrderService;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The demo: starts the restaurant (REST) and consumer + kitchen (gRPC) services on loopback, an
 * order service whose three rpc-proxy clients call them, a load generator, and the metrics
 * endpoint with its dashboard; walks the services through the phases while printing a table a
 * second; prints the summary; stops everything.
 */
public final class Demo {
  private static final long SECOND = 1_000_000_000L;
  private static final long STEP_NANOS = 100_000_000L;
  private static final long WARM_UP_LOAD_MILLIS = 1_000;
  private static final int WARM_UP_SEQUENTIAL_ORDERS = 20;
  static final String WARM_UP = "warm-up";

  private final DemoOptions options;
  private final PrometheusMeterRegistry registry;
  private final PrintStream out;
  private final CompletableFuture<String> dashboardUrl = new CompletableFuture<>();
  /** The {@code phase} tag of the {@code demo.phase} gauge that reads 1; null before and after. */
  private volatile String current;

  public Demo(DemoOptions options, PrometheusMeterRegistry registry, PrintStream out) {
    this.options = options;
    this.registry = registry;
    this.out = out;
  }

  /**
   * Completes with the dashboard's URL (e.g. {@code http://127.0.0.1:8081/}; {@code metrics} below
   * it) once the services, clients and metrics endpoint are up; fails if the run fails first.
   */
  public CompletableFuture<String> dashboardUrl() {
    return dashboardUrl;
  }

  /** Runs the phases and returns what each did; every server, client and thread is stopped on return. */
  public List<PhaseResult> run() throws IOException, InterruptedException {
    long runStart = System.nanoTime();
    List<Phase> plan = Phase.plan(options.scenario().orElse(null), options.duration());
    Duration openWait = Phase.breakerOpenWait(plan);
    registry.config().meterFilter(new DeadlineBuckets(FtgoClients.DEADLINES));
    List<String> phaseTags = new ArrayList<>(List.of(WARM_UP));
    for (Scenario s : Scenario.values()) {
      phaseTags.add(s.label());
    }
    for (String tag : phaseTags) {
      Gauge.builder("demo.phase", () -> tag.equals(current) ? 1 : 0)
          .description("1 for the demo's current phase")
          .tag("phase", tag)
          .register(registry);
    }
    FaultInjector faults = new FaultInjector(Scenario.HEALTHY.faultsAt(0));
    faults.bindTo(registry);
    ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor(new DaemonThreads("demo-sampler"));
    try (RestaurantServer restaurantServer = RestaurantServer.start(faults);
         GrpcServices grpcServices = GrpcServices.start(faults);
         FtgoClients clients = FtgoClients.connect(restaurantServer.baseUrl(), grpcServices.port(), registry, openWait);
         MetricsServer metrics = startMetrics()) {
      OrderService orders = new OrderService(clients.restaurants(), clients.consumers(), clients.kitchen());
      try (LoadGenerator load = new LoadGenerator(orders, registry, Scenario.MAX_THREADS)) {
        RegistryReader reader = new RegistryReader(registry, FtgoClients.NAMES);
        ClientStateSampler sampler = new ClientStateSampler(reader);
        sampling.scheduleAtFixedRate(sampler::sample, 0, 10, TimeUnit.MILLISECONDS);

        banner(plan, clients, restaurantServer, grpcServices, metrics);
        dashboardUrl.complete(metrics.dashboardUrl());
        warmUp(orders, load, reader);

        LiveTable table = new LiveTable(out, reader, sampler);
        List<PhaseResult> results = new ArrayList<>();
        long storyStart = System.nanoTime();
        for (int i = 0; i < plan.size(); i++) {
          results.add(runPhase(i, plan, faults, load, reader, sampler, table, storyStart));
        }
        load.setLoad(null);
        current = null;
        new Summary(out).print(results, (System.nanoTime() - runStart) / 1e9);
        return results;
      }
    } finally {
      dashboardUrl.completeExceptionally(new IllegalStateException("the demo ended before its dashboard was up"));
      sampling.shutdownNow();
      sampling.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private MetricsServer startMetrics() throws IOException {
    try {
      return MetricsServer.start(registry, options.port());
    } catch (BindException e) {
      if (options.portGiven()) {
        throw new BindException("port " + options.port() + " is in use; pass --port 0 for any free port");
      }
      out.println("(port " + options.port() + " is in use: serving the dashboard on a free port instead)");
      return MetricsServer.start(registry, 0);
    }
  }

  private void banner(List<Phase> plan, FtgoClients clients, RestaurantServer restaurants, GrpcServices grpc,
      MetricsServer metrics) {
    out.println("rpc-proxy demo: an order service (FTGO) calling restaurants over REST, consumers and kitchen over gRPC");
    out.println("  services   restaurants " + restaurants.baseUrl() + ", consumers + kitchen 127.0.0.1:" + grpc.port());
    for (String line : clients.describe()) {
      out.println("  client     " + line);
    }
    out.println("  dashboard  " + metrics.dashboardUrl() + "   (Prometheus: " + metrics.metricsUrl() + ")");
    out.println("  story      " + plan.stream()
        .map(p -> p.label() + " " + Format.seconds(p.length().toMillis() / 1000.0))
        .collect(Collectors.joining(" → ")));
    out.flush();
  }

  /**
   * Gets the run ready, unreported: one order per restaurant, so that the restaurants' cached
   * fallback has every menu; more orders one at a time, then a second of normal load, so that the
   * first phase does not measure connection set-up and the JIT. On a busy machine the cold start
   * may still miss deadlines and open a breaker: the warm-up then goes on until every breaker has
   * closed again (at most 15 s more).
   */
  private void warmUp(OrderService orders, LoadGenerator load, RegistryReader reader) throws InterruptedException {
    current = WARM_UP;
    long deadline = System.nanoTime() + 10 * SECOND;
    int primed = 0;
    int attempts = 0;
    for (long id = 1; id <= RestaurantCatalog.COUNT; id++) {
      while (true) {
        attempts++;
        if (placeOne(orders, id)) {
          primed++;
          break;
        }
        if (System.nanoTime() > deadline) {
          out.println("  warm-up    no order at restaurant " + id + " went through in 10 s");
          break;
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
    for (int i = 0; i < WARM_UP_SEQUENTIAL_ORDERS && System.nanoTime() < deadline; i++) {
      placeOne(orders, 1 + i % RestaurantCatalog.COUNT);
    }
    out.printf(Locale.ROOT, "  warm-up    %d orders placed in %d tries, one per restaurant: the cached fallback has %s%n",
        primed, attempts, primed == RestaurantCatalog.COUNT ? "every menu" : "only " + primed + " menus");
    load.setLoad(Scenario.NORMAL_LOAD);
    TimeUnit.MILLISECONDS.sleep(WARM_UP_LOAD_MILLIS);
    long waitStart = System.nanoTime();
    List<String> opened = reader.clients().stream().filter(c -> !closed(reader, c)).toList();
    while (System.nanoTime() - waitStart < 15 * SECOND && !reader.clients().stream().allMatch(c -> closed(reader, c))) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    load.setLoad(null);
    if (!opened.isEmpty()) {
      out.printf(Locale.ROOT, "  warm-up    breaker of %s opened during the cold start; waited %s for it to close%n",
          String.join(", ", opened), Format.seconds((System.nanoTime() - waitStart) / 1e9));
    }
  }

  private static boolean placeOne(OrderService orders, long restaurant) throws InterruptedException {
    try {
      orders.createOrder(new OrderRequest(1, restaurant, List.of(new OrderRequest.Line(restaurant + "-1", 1))));
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean closed(RegistryReader reader, String client) {
    return reader.breakerState(client).orElse("CLOSED").equals("CLOSED");
  }

  private PhaseResult runPhase(int index, List<Phase> plan, FaultInjector faults, LoadGenerator load,
      RegistryReader reader, ClientStateSampler sampler, LiveTable table, long storyStart) throws InterruptedException {
    Phase phase = plan.get(index);
    Scenario scenario = phase.scenario();
    out.println();
    out.printf(Locale.ROOT, "── phase %d/%d: %s (%s) ── %s%n", index + 1, plan.size(), phase.label(),
        Format.seconds(phase.length().toMillis() / 1000.0), scenario.injected());
    table.header();
    current = scenario.label();
    applyFaults(faults, scenario, 0);
    load.setLoad(scenario.load());

    Map<String, String> startStates = new LinkedHashMap<>();
    for (String client : reader.clients()) {
      startStates.put(client, reader.breakerState(client).orElse("?"));
    }
    long start = System.nanoTime();
    long end = start + phase.length().toNanos();
    Snapshot first = reader.snapshot();
    Snapshot last = first;
    Map<String, Integer> maxInFlight = new LinkedHashMap<>();
    long nextRow = start + SECOND;
    long now;
    while ((now = System.nanoTime()) < end) {
      applyFaults(faults, scenario, (now - start) / (double) (end - start));
      if (now >= nextRow) {
        last = printRow(table, reader, last, storyStart, maxInFlight);
        nextRow += SECOND;
      }
      long sleep = Math.min(STEP_NANOS, Math.min(end, nextRow) - System.nanoTime());
      if (sleep > 0) {
        TimeUnit.NANOSECONDS.sleep(sleep);
      }
    }
    if (System.nanoTime() - (nextRow - SECOND) > SECOND / 4) {
      last = printRow(table, reader, last, storyStart, maxInFlight); // the phase's last part-second
    }
    Snapshot endSnapshot = reader.snapshot();
    Map<String, Integer> limits = new LinkedHashMap<>();
    for (String client : reader.clients()) {
      limits.put(client, reader.bulkheadLimit(client));
    }
    return new PhaseResult(phase, start, endSnapshot.minus(first), startStates,
        sampler.between(start, System.nanoTime()), maxInFlight, limits);
  }

  private Snapshot printRow(LiveTable table, RegistryReader reader, Snapshot last, long storyStart,
      Map<String, Integer> maxInFlight) {
    Snapshot now = reader.snapshot();
    int[] inFlight = table.print((now.nanos() - storyStart) / 1e9, now.minus(last), now.secondsSince(last));
    for (int i = 0; i < inFlight.length; i++) {
      maxInFlight.merge(reader.clients().get(i), inFlight[i], Math::max);
    }
    return now;
  }

  private static void applyFaults(FaultInjector faults, Scenario scenario, double progress) {
    scenario.faultsAt(progress).forEach(faults::set);
  }
}
