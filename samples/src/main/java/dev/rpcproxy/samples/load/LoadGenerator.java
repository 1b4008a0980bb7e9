package dev.rpcproxy.samples.load;

import dev.rpcproxy.samples.downstream.DaemonThreads;
import dev.rpcproxy.samples.downstream.GrpcServices;
import dev.rpcproxy.samples.downstream.RestaurantCatalog;
import dev.rpcproxy.samples.order.OrderFailedException;
import dev.rpcproxy.samples.order.OrderRejectedException;
import dev.rpcproxy.samples.order.OrderRequest;
import dev.rpcproxy.samples.order.OrderService;
import dev.rpcproxy.samples.order.PlacedOrder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Places random orders from a fixed set of daemon threads at a bounded rate, and times each as
 * {@code demo.orders{outcome}} with outcome {@code placed}, {@code rejected} (the order was
 * wrong) or {@code failed} (a dependency failed without a fallback). About 1 order in 25 comes
 * from the consumer the consumer service refuses. After about 1 placed order in 10 the same
 * thread follows its kitchen ticket to the end ({@link OrderService#followTicket}, a gRPC server
 * stream), outside the order's time; the library's meters count those streams and their messages.
 *
 * <p>Threads beyond {@link Load#threads()} idle; the rate is shared through one pacer, so changing
 * the {@link Load} takes effect within a pacing interval.
 */
public final class LoadGenerator implements AutoCloseable {
  /** The timer of orders, by outcome. */
  public static final String ORDERS = "demo.orders";
  private static final double REFUSED_SHARE = 0.04;
  /** Share of placed orders whose ticket is then followed. */
  static final double FOLLOWED_SHARE = 0.1;

  private final OrderService orders;
  private final List<Thread> workers = new ArrayList<>();
  private final Timer placed;
  private final Timer rejected;
  private final Timer failed;
  private final AtomicLong nextSlot = new AtomicLong(System.nanoTime());
  private volatile Load load;
  private volatile boolean running = true;

  /** Starts {@code maxThreads} workers, idle until {@link #setLoad}. */
  public LoadGenerator(OrderService orders, MeterRegistry registry, int maxThreads) {
    this.orders = orders;
    this.placed = timer(registry, "placed");
    this.rejected = timer(registry, "rejected");
    this.failed = timer(registry, "failed");
    DaemonThreads threads = new DaemonThreads("load");
    for (int i = 0; i < maxThreads; i++) {
      int index = i;
      Thread worker = threads.newThread(() -> work(index));
      workers.add(worker);
      worker.start();
    }
  }

  private static Timer timer(MeterRegistry registry, String outcome) {
    return Timer.builder(ORDERS)
        .description("Orders the demo's load generator placed, by outcome")
        .tag("outcome", outcome)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
  }

  /**
   * Changes the load from the next order on; {@code null} pauses.
   *
   * @throws IllegalArgumentException if it asks for more threads than were started
   */
  public void setLoad(Load load) {
    if (load != null && load.threads() > workers.size()) {
      throw new IllegalArgumentException("at most " + workers.size() + " threads, asked for " + load.threads());
    }
    this.load = load;
  }

  private void work(int index) {
    while (running) {
      Load current = load;
      if (current == null || index >= current.threads()) {
        LockSupport.parkNanos(20_000_000L);
        continue;
      }
      if (!waitForSlot(1_000_000_000L / current.ordersPerSecond())) {
        return;
      }
      long start = System.nanoTime();
      Timer outcome;
      PlacedOrder order = null;
      try {
        order = orders.createOrder(randomOrder());
        outcome = placed;
      } catch (OrderRejectedException e) {
        outcome = rejected;
      } catch (OrderFailedException e) {
        outcome = failed;
      } catch (InterruptedException e) {
        return; // closing
      }
      if (running) {
        outcome.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      }
      if (order != null && running && ThreadLocalRandom.current().nextDouble() < FOLLOWED_SHARE) {
        follow(order.ticketId());
      }
    }
  }

  /** Reads the ticket's events to the end; a failure is counted by the kitchen client's meters only. */
  private void follow(String ticketId) {
    try {
      orders.followTicket(ticketId);
    } catch (OrderFailedException | OrderRejectedException e) {
      // the kitchen client's rpc.client.calls{method="watchTicket"} records how the stream ended
    }
  }

  /** Takes the next slot of the shared schedule and sleeps until it; false if closing. */
  private boolean waitForSlot(long intervalNanos) {
    long slot;
    while (true) {
      long now = System.nanoTime();
      long next = nextSlot.get();
      // After an idle spell, do not burst to catch up: restart the schedule from now.
      slot = Math.max(next, now);
      if (nextSlot.compareAndSet(next, slot + intervalNanos)) {
        break;
      }
    }
    long wait;
    while (running && (wait = slot - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
      if (Thread.interrupted()) {
        return false;
      }
    }
    return running;
  }

  private static OrderRequest randomOrder() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long consumer = random.nextDouble() < REFUSED_SHARE ? GrpcServices.REFUSED_CONSUMER : 1 + random.nextInt(1000);
    long restaurant = 1 + random.nextInt(RestaurantCatalog.COUNT);
    List<OrderRequest.Line> lines = new ArrayList<>();
    int dishes = 1 + random.nextInt(RestaurantCatalog.DISHES);
    for (int d = 1; d <= dishes; d++) {
      lines.add(new OrderRequest.Line(restaurant + "-" + d, 1 + random.nextInt(2)));
    }
    return new OrderRequest(consumer, restaurant, lines);
  }

  /** Stops every worker; orders in flight are interrupted and not recorded. */
  @Override
  public void close() {
    running = false;
    for (Thread worker : workers) {
      worker.interrupt();
    }
    try {
      for (Thread worker : workers) {
        worker.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
