package dev.rpcproxy.samples.order;

import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.HedgePolicy;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import dev.rpcproxy.samples.ftgo.ConsumerServiceGrpc;
import dev.rpcproxy.samples.ftgo.KitchenServiceGrpc;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The order service's three rpc-proxy clients and their policies: the whole resilience setup of
 * the demo is in this class.
 *
 * <ul>
 *   <li><b>restaurants</b> (REST): a 300 ms deadline, an adaptive limit on calls in flight
 *       (from 8, found from the service's latency; at most 64), a breaker, one retry for the
 *       idempotent GET, hedges (a copy of a GET that has not answered within the method's recent
 *       p95 latency, kept within 20 to 100 ms; up to 4 copies, the first answer wins), and
 *       {@link Fallbacks#cached()}: when the service fails, the last menu it sent for that
 *       restaurant is served.
 *   <li><b>consumers</b> (gRPC, {@code ValidateConsumer} declared {@code NO_SIDE_EFFECTS}):
 *       200 ms, 16 in flight, a breaker, up to 3 attempts within the retry budget. No fallback:
 *       an order must not go through unvalidated.
 *   <li><b>kitchen</b> (gRPC, {@code CreateTicket} creates something): 500 ms, 16 in flight, a
 *       breaker, no retries, no fallback.
 * </ul>
 */
public final class FtgoClients implements AutoCloseable {
  /** Client names: the {@code client} tag of the metrics and the breakers' {@code name}. */
  public static final String RESTAURANTS = "restaurants";
  public static final String CONSUMERS = "consumers";
  public static final String KITCHEN = "kitchen";
  public static final List<String> NAMES = List.of(RESTAURANTS, CONSUMERS, KITCHEN);

  public static final Duration RESTAURANTS_TIMEOUT = Duration.ofMillis(300);
  /** The restaurants' limit on calls in flight: found from latency, starting at the fixed 8 it replaced. */
  public static final ConcurrencyLimit RESTAURANTS_LIMIT =
      ConcurrencyLimit.adaptiveBuilder().initialLimit(8).maxLimit(64).build();
  /** The fixed bulkhead the restaurants client had before its adaptive limit, for comparison. */
  public static final int RESTAURANTS_FIXED_BEFORE = 8;
  /**
   * A restaurant GET not answered within the recent p95 latency of successful attempts, kept
   * within these bounds, gets a copy (healthy answers take 3 to 9 ms; a loaded machine adds more).
   */
  public static final int RESTAURANTS_HEDGE_PERCENTILE = 95;
  public static final Duration RESTAURANTS_HEDGE_MIN_DELAY = Duration.ofMillis(20);
  public static final Duration RESTAURANTS_HEDGE_MAX_DELAY = Duration.ofMillis(100);
  /** Copies of one restaurant GET in all, the first included. */
  public static final int RESTAURANTS_HEDGE_ATTEMPTS = 4;
  public static final Duration CONSUMERS_TIMEOUT = Duration.ofMillis(200);
  public static final Duration KITCHEN_TIMEOUT = Duration.ofMillis(500);
  public static final int GRPC_BULKHEAD = 16;
  /** Every client's deadline. */
  public static final List<Duration> DEADLINES = List.of(RESTAURANTS_TIMEOUT, CONSUMERS_TIMEOUT, KITCHEN_TIMEOUT);
  /** Breakers open when at least this share (in %) of the last {@link #BREAKER_WINDOW} calls failed. */
  public static final int BREAKER_FAILURE_RATE = 50;
  public static final int BREAKER_WINDOW = 40;
  public static final int BREAKER_MIN_CALLS = 20;
  public static final int BREAKER_PROBES = 3;

  private final ManagedChannel channel;
  private final RestaurantApi restaurants;
  private final ConsumerClient consumers;
  private final KitchenClient kitchen;
  private final Duration openWait;

  private FtgoClients(ManagedChannel channel, RestaurantApi restaurants, ConsumerClient consumers,
      KitchenClient kitchen, Duration openWait) {
    this.channel = channel;
    this.restaurants = restaurants;
    this.consumers = consumers;
    this.kitchen = kitchen;
    this.openWait = openWait;
  }

  /**
   * Builds the three clients.
   *
   * @param restaurantsUrl the restaurant service, e.g. {@code http://127.0.0.1:41234}
   * @param grpcPort the loopback port of the consumer and kitchen services
   * @param openWait how long an open breaker rejects calls before letting probes through (the
   *     demo scales it with the length of its phases)
   */
  public static FtgoClients connect(String restaurantsUrl, int grpcPort, MeterRegistry registry, Duration openWait) {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", grpcPort, InsecureChannelCredentials.create())
        .build();

    RestaurantApi restaurants = RpcProxy.builder(RestaurantApi.class)
        .name(RESTAURANTS)
        .transport(HttpTransport.builder().baseUrl(restaurantsUrl).build())
        .policy(Policy.builder()
            .timeout(RESTAURANTS_TIMEOUT)
            .concurrencyLimit(RESTAURANTS_LIMIT)
            .circuitBreaker(breaker(openWait))
            .retry(RetryPolicy.builder().maxAttempts(2).backoff(Duration.ofMillis(20), Duration.ofMillis(100)).build())
            .hedge(HedgePolicy.builder()
                .maxAttempts(RESTAURANTS_HEDGE_ATTEMPTS)
                .delayAtPercentile(RESTAURANTS_HEDGE_PERCENTILE, RESTAURANTS_HEDGE_MIN_DELAY, RESTAURANTS_HEDGE_MAX_DELAY)
                .build())
            .build())
        .fallback(Fallbacks.cached())
        .meterRegistry(registry)
        .build();

    ConsumerClient consumers = RpcProxy.builder(ConsumerClient.class)
        .name(CONSUMERS)
        .transport(GrpcTransport.builder(channel, ConsumerServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder()
            .timeout(CONSUMERS_TIMEOUT)
            .maxConcurrentCalls(GRPC_BULKHEAD)
            .circuitBreaker(breaker(openWait))
            .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build())
            .build())
        .meterRegistry(registry)
        .build();

    KitchenClient kitchen = RpcProxy.builder(KitchenClient.class)
        .name(KITCHEN)
        .transport(GrpcTransport.builder(channel, KitchenServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder()
            .timeout(KITCHEN_TIMEOUT)
            .maxConcurrentCalls(GRPC_BULKHEAD)
            .circuitBreaker(breaker(openWait))
            .build())
        // A ticket's events: the first within 5 s (a cold connection included), each next one within
        // 2 s of the one before; retried (it only reads) until the first event arrives.
        .policy("watchTicket", Policy.builder()
            .timeout(Duration.ofSeconds(5))
            .streamIdleTimeout(Duration.ofSeconds(2))
            .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(10), Duration.ofMillis(50)).build())
            .build())
        .meterRegistry(registry)
        .build();

    return new FtgoClients(channel, restaurants, consumers, kitchen, openWait);
  }

  /** Whether the client has a retry policy (kitchen has none: CreateTicket is not idempotent). */
  public static boolean retries(String client) {
    return !client.equals(KITCHEN);
  }

  private static CircuitBreakerConfig breaker(Duration openWait) {
    return CircuitBreakerConfig.custom()
        .failureRateThreshold(BREAKER_FAILURE_RATE)
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(BREAKER_WINDOW)
        .minimumNumberOfCalls(BREAKER_MIN_CALLS)
        .permittedNumberOfCallsInHalfOpenState(BREAKER_PROBES)
        .waitDurationInOpenState(openWait)
        .build();
  }

  public RestaurantApi restaurants() {
    return restaurants;
  }

  public ConsumerClient consumers() {
    return consumers;
  }

  public KitchenClient kitchen() {
    return kitchen;
  }

  /** One line per client stating its policy, for the demo's banner. */
  public List<String> describe() {
    String breaker = "breaker " + BREAKER_FAILURE_RATE + "% of " + BREAKER_WINDOW + " calls, open "
        + millis(openWait) + ", " + BREAKER_PROBES + " probes";
    return List.of(
        String.format("%-12s REST  timeout %s, adaptive limit (from %d, at most %d), %s, 2 attempts (GET), %s,"
            + " cached fallback", RESTAURANTS, millis(RESTAURANTS_TIMEOUT), RESTAURANTS_LIMIT.initialLimit(),
            RESTAURANTS_LIMIT.maxLimit(), breaker, hedgeRule()),
        String.format("%-12s gRPC  timeout %s, bulkhead %d, %s, 3 attempts (NO_SIDE_EFFECTS), no fallback",
            CONSUMERS, millis(CONSUMERS_TIMEOUT), GRPC_BULKHEAD, breaker),
        String.format("%-12s gRPC  timeout %s, bulkhead %d, %s, no retries (CreateTicket is not idempotent);"
            + " WatchTicket stream: first event within 5 s, then each within 2 s, 3 attempts before the first",
            KITCHEN, millis(KITCHEN_TIMEOUT), GRPC_BULKHEAD, breaker));
  }

  /** The restaurants' hedge in a few words, e.g. {@code hedge after p95 (20-100 ms), 3 copies at most}. */
  public static String hedgeRule() {
    return "hedge after p" + RESTAURANTS_HEDGE_PERCENTILE + " (" + RESTAURANTS_HEDGE_MIN_DELAY.toMillis() + "-"
        + RESTAURANTS_HEDGE_MAX_DELAY.toMillis() + " ms), " + RESTAURANTS_HEDGE_ATTEMPTS + " copies at most";
  }

  private static String millis(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  /** Closes the clients' transports, then the gRPC channel. */
  @Override
  public void close() {
    RpcProxy.close(restaurants);
    RpcProxy.close(consumers);
    RpcProxy.close(kitchen);
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
