package dev.rpcproxy.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

/**
 * {@code rpcproxy.*}: every client's settings, {@code rpcproxy.clients.<name>.*} over
 * {@code rpcproxy.defaults.*} over the library's defaults. A setting left out is inherited.
 *
 * <pre>{@code
 * rpcproxy:
 *   defaults:
 *     timeout: 2s
 *     circuit-breaker:
 *       failure-rate-threshold: 50
 *   clients:
 *     restaurants:
 *       base-url: http://restaurants.internal:8080
 *       timeout: 300ms
 *       retry:
 *         max-attempts: 3
 *       fallback: cached
 *       methods:
 *         createOrder:
 *           timeout: 2s
 *     kitchen:
 *       grpc:
 *         target: kitchen.internal:9090
 *         plaintext: true
 * }</pre>
 */
@ConfigurationProperties("rpcproxy")
public class RpcProxyProperties {
  /**
   * Settings every client inherits unless it sets its own. Where a client connects
   * ({@code base-url}, {@code endpoints}, {@code grpc.target}, {@code grpc.authority}) and its
   * {@code methods} are per client only.
   */
  @NestedConfigurationProperty
  private Defaults defaults = new Defaults();

  /** Each client's settings, by the name in its {@code @RpcClient}. */
  private Map<String, Client> clients = new LinkedHashMap<>();

  /** How the Actuator health contributor reports breakers. */
  @NestedConfigurationProperty
  private Health health = new Health();

  public Defaults getDefaults() {
    return defaults;
  }

  public void setDefaults(Defaults defaults) {
    this.defaults = defaults;
  }

  public Map<String, Client> getClients() {
    return clients;
  }

  public void setClients(Map<String, Client> clients) {
    this.clients = clients;
  }

  public Health getHealth() {
    return health;
  }

  public void setHealth(Health health) {
    this.health = health;
  }

  /** The policy settings a client and each of its methods may set. Every one is optional. */
  public static class PolicySettings {
    /** Deadline of the whole call, retries and backoff included. Library default 10s. */
    private Duration timeout;

    /** Deadline of each attempt (a retryable timeout). Library default: none. */
    private Duration attemptTimeout;

    /** Bulkhead: at most this many calls outstanding. Library default 64. */
    private Integer maxConcurrentCalls;

    /**
     * Limit on outstanding calls: a number (the same as max-concurrent-calls) or {@code adaptive}.
     * Library default: fixed 64.
     */
    private String concurrencyLimit;

    /** How long a blocking call may wait for a bulkhead permit. Library default 0 (reject at once). */
    private Duration maxWaitForPermit;

    /** The circuit breaker, in Resilience4j's property names. */
    @NestedConfigurationProperty
    private CircuitBreaker circuitBreaker = new CircuitBreaker();

    /** Retries of idempotent methods. Library default: none. */
    @NestedConfigurationProperty
    private Retry retry = new Retry();

    /** Hedged attempts of idempotent methods. Library default: none. */
    @NestedConfigurationProperty
    private Hedge hedge = new Hedge();

    /** Faults injected on purpose, to rehearse an outage. Library default: none. */
    @NestedConfigurationProperty
    private Faults faults = new Faults();

    /**
     * What answers failures: {@code cached} (the last good answer per method and arguments), or
     * the name of a bean of type {@code dev.rpcproxy.Fallback}. Library default: none.
     */
    private String fallback;

    public Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }

    public Duration getAttemptTimeout() {
      return attemptTimeout;
    }

    public void setAttemptTimeout(Duration attemptTimeout) {
      this.attemptTimeout = attemptTimeout;
    }

    public Integer getMaxConcurrentCalls() {
      return maxConcurrentCalls;
    }

    public void setMaxConcurrentCalls(Integer maxConcurrentCalls) {
      this.maxConcurrentCalls = maxConcurrentCalls;
    }

    public String getConcurrencyLimit() {
      return concurrencyLimit;
    }

    public void setConcurrencyLimit(String concurrencyLimit) {
      this.concurrencyLimit = concurrencyLimit;
    }

    public Duration getMaxWaitForPermit() {
      return maxWaitForPermit;
    }

    public void setMaxWaitForPermit(Duration maxWaitForPermit) {
      this.maxWaitForPermit = maxWaitForPermit;
    }

    public CircuitBreaker getCircuitBreaker() {
      return circuitBreaker;
    }

    public void setCircuitBreaker(CircuitBreaker circuitBreaker) {
      this.circuitBreaker = circuitBreaker;
    }

    public Retry getRetry() {
      return retry;
    }

    public void setRetry(Retry retry) {
      this.retry = retry;
    }

    public Hedge getHedge() {
      return hedge;
    }

    public void setHedge(Hedge hedge) {
      this.hedge = hedge;
    }

    public Faults getFaults() {
      return faults;
    }

    public void setFaults(Faults faults) {
      this.faults = faults;
    }

    public String getFallback() {
      return fallback;
    }

    public void setFallback(String fallback) {
      this.fallback = fallback;
    }
  }

  /** {@code rpcproxy.defaults.*}: the policy and the settings every client may inherit. */
  public static class Defaults extends PolicySettings {
    /** Headers sent with every REST request of every client; a client's own headers win. */
    private Map<String, String> headers = new LinkedHashMap<>();

    /** Gives each method its own breaker ({@code client.method}). Library default false. */
    private Boolean circuitBreakerPerMethod;

    /** gRPC channels' settings every gRPC client inherits. */
    @NestedConfigurationProperty
    private GrpcDefaults grpc = new GrpcDefaults();

    public Map<String, String> getHeaders() {
      return headers;
    }

    public void setHeaders(Map<String, String> headers) {
      this.headers = headers;
    }

    public Boolean getCircuitBreakerPerMethod() {
      return circuitBreakerPerMethod;
    }

    public void setCircuitBreakerPerMethod(Boolean circuitBreakerPerMethod) {
      this.circuitBreakerPerMethod = circuitBreakerPerMethod;
    }

    public GrpcDefaults getGrpc() {
      return grpc;
    }

    public void setGrpc(GrpcDefaults grpc) {
      this.grpc = grpc;
    }
  }

  /** One client: where it connects, its policy, and its methods' overrides. */
  public static class Client extends PolicySettings {
    /** REST: the URL every {@code @Path} is appended to, e.g. {@code http://localhost:8080}. */
    private String baseUrl;

    /**
     * Several instances instead of one base URL (REST), or instead of {@code grpc.target}: a list
     * of URLs, one {@code dns:host:port} (or {@code dns:https://host:port}), one
     * {@code srv:_service._tcp.domain}, or the name of a bean of type
     * {@code dev.rpcproxy.EndpointSource}.
     */
    private List<String> endpoints = new ArrayList<>();

    /** Headers sent with every REST request. */
    private Map<String, String> headers = new LinkedHashMap<>();

    /** Gives each method its own breaker ({@code client.method}). Library default false. */
    private Boolean circuitBreakerPerMethod;

    /** gRPC: the channel of a client whose interface names a gRPC service. */
    @NestedConfigurationProperty
    private Grpc grpc = new Grpc();

    /** Overrides by method name; each inherits what it does not set from the client. */
    private Map<String, PolicySettings> methods = new LinkedHashMap<>();

    public String getBaseUrl() {
      return baseUrl;
    }

    public void setBaseUrl(String baseUrl) {
      this.baseUrl = baseUrl;
    }

    public List<String> getEndpoints() {
      return endpoints;
    }

    public void setEndpoints(List<String> endpoints) {
      this.endpoints = endpoints;
    }

    public Map<String, String> getHeaders() {
      return headers;
    }

    public void setHeaders(Map<String, String> headers) {
      this.headers = headers;
    }

    public Boolean getCircuitBreakerPerMethod() {
      return circuitBreakerPerMethod;
    }

    public void setCircuitBreakerPerMethod(Boolean circuitBreakerPerMethod) {
      this.circuitBreakerPerMethod = circuitBreakerPerMethod;
    }

    public Grpc getGrpc() {
      return grpc;
    }

    public void setGrpc(Grpc grpc) {
      this.grpc = grpc;
    }

    public Map<String, PolicySettings> getMethods() {
      return methods;
    }

    public void setMethods(Map<String, PolicySettings> methods) {
      this.methods = methods;
    }
  }

  /** Resilience4j's circuit breaker settings, under its own property names. */
  public static class CircuitBreaker {
    /** Failure rate in percent at which the breaker opens. Library default 50. */
    private Float failureRateThreshold;

    /** {@code COUNT_BASED} (last N calls) or {@code TIME_BASED} (last N seconds). Library default COUNT_BASED. */
    private io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType slidingWindowType;

    /** Calls (or seconds) in the sliding window. Library default 20. */
    private Integer slidingWindowSize;

    /** Calls needed before the failure rate counts. Library default 10. */
    private Integer minimumNumberOfCalls;

    /** How long the breaker stays open. Library default 5s. */
    private Duration waitDurationInOpenState;

    /** Probe calls let through while half-open. Library default 3. */
    private Integer permittedNumberOfCallsInHalfOpenState;

    /** Slow call rate in percent at which the breaker opens. Resilience4j default 100. */
    private Float slowCallRateThreshold;

    /** Calls slower than this count as slow. Resilience4j default 60s. */
    private Duration slowCallDurationThreshold;

    /** Moves from open to half-open on a timer, without waiting for a call. Resilience4j default false. */
    private Boolean automaticTransitionFromOpenToHalfOpenEnabled;

    public Float getFailureRateThreshold() {
      return failureRateThreshold;
    }

    public void setFailureRateThreshold(Float failureRateThreshold) {
      this.failureRateThreshold = failureRateThreshold;
    }

    public io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType getSlidingWindowType() {
      return slidingWindowType;
    }

    public void setSlidingWindowType(
        io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType slidingWindowType) {
      this.slidingWindowType = slidingWindowType;
    }

    public Integer getSlidingWindowSize() {
      return slidingWindowSize;
    }

    public void setSlidingWindowSize(Integer slidingWindowSize) {
      this.slidingWindowSize = slidingWindowSize;
    }

    public Integer getMinimumNumberOfCalls() {
      return minimumNumberOfCalls;
    }

    public void setMinimumNumberOfCalls(Integer minimumNumberOfCalls) {
      this.minimumNumberOfCalls = minimumNumberOfCalls;
    }

    public Duration getWaitDurationInOpenState() {
      return waitDurationInOpenState;
    }

    public void setWaitDurationInOpenState(Duration waitDurationInOpenState) {
      this.waitDurationInOpenState = waitDurationInOpenState;
    }

    public Integer getPermittedNumberOfCallsInHalfOpenState() {
      return permittedNumberOfCallsInHalfOpenState;
    }

    public void setPermittedNumberOfCallsInHalfOpenState(Integer permittedNumberOfCallsInHalfOpenState) {
      this.permittedNumberOfCallsInHalfOpenState = permittedNumberOfCallsInHalfOpenState;
    }

    public Float getSlowCallRateThreshold() {
      return slowCallRateThreshold;
    }

    public void setSlowCallRateThreshold(Float slowCallRateThreshold) {
      this.slowCallRateThreshold = slowCallRateThreshold;
    }

    public Duration getSlowCallDurationThreshold() {
      return slowCallDurationThreshold;
    }

    public void setSlowCallDurationThreshold(Duration slowCallDurationThreshold) {
      this.slowCallDurationThreshold = slowCallDurationThreshold;
    }

    public Boolean getAutomaticTransitionFromOpenToHalfOpenEnabled() {
      return automaticTransitionFromOpenToHalfOpenEnabled;
    }

    public void setAutomaticTransitionFromOpenToHalfOpenEnabled(Boolean enabled) {
      this.automaticTransitionFromOpenToHalfOpenEnabled = enabled;
    }
  }

  /** Retries ({@code dev.rpcproxy.RetryPolicy}); any setting here turns retries on. */
  public static class Retry {
    /** Attempts in all, the first included; 1 turns retries off. Default when retries are on: 3. */
    private Integer maxAttempts;

    /** First backoff. Default 50ms. */
    private Duration initialBackoff;

    /** Largest backoff. Default 1s. */
    private Duration maxBackoff;

    /** Growth factor of the backoff. Default 2. */
    private Double multiplier;

    /** Random share of each backoff, 0 to 1. Default 0.5. */
    private Double jitter;

    public Integer getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(Integer maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public Duration getInitialBackoff() {
      return initialBackoff;
    }

    public void setInitialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
    }

    public Duration getMaxBackoff() {
      return maxBackoff;
    }

    public void setMaxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
    }

    public Double getMultiplier() {
      return multiplier;
    }

    public void setMultiplier(Double multiplier) {
      this.multiplier = multiplier;
    }

    public Double getJitter() {
      return jitter;
    }

    public void setJitter(Double jitter) {
      this.jitter = jitter;
    }
  }

  /**
   * Faults injected on purpose ({@code dev.rpcproxy.FaultInjection}): a share of attempts delayed
   * before they are sent, a share aborted unsent as the service's failure. Off unless set.
   */
  public static class Faults {
    /** How long a delayed attempt waits before it is sent. Required with delay-percent. */
    private Duration delay;

    /** Share of attempts delayed, 0 to 100. */
    private Double delayPercent;

    /** Share of attempts aborted unsent, 0 to 100. */
    private Double abortPercent;

    /** The status an aborted attempt fails with. Default UNAVAILABLE. */
    private String abortStatus;

    /** Makes the faults replayable: the same attempts meet the same faults on every run. */
    private Long seed;

    public Duration getDelay() {
      return delay;
    }

    public void setDelay(Duration delay) {
      this.delay = delay;
    }

    public Double getDelayPercent() {
      return delayPercent;
    }

    public void setDelayPercent(Double delayPercent) {
      this.delayPercent = delayPercent;
    }

    public Double getAbortPercent() {
      return abortPercent;
    }

    public void setAbortPercent(Double abortPercent) {
      this.abortPercent = abortPercent;
    }

    public String getAbortStatus() {
      return abortStatus;
    }

    public void setAbortStatus(String abortStatus) {
      this.abortStatus = abortStatus;
    }

    public Long getSeed() {
      return seed;
    }

    public void setSeed(Long seed) {
      this.seed = seed;
    }
  }

  /** Hedged attempts ({@code dev.rpcproxy.HedgePolicy}); any setting here turns hedging on. */
  public static class Hedge {
    /** Attempts in all, the first included: 2 to 5. Default 2. */
    private Integer maxAttempts;

    /** Fixed delay before each hedge. Default 50ms. */
    private Duration delay;

    /** Adaptive delay instead: the method's latency at this percentile, within min-delay..max-delay. */
    private Double percentile;

    /** Lowest adaptive delay. Required with percentile. */
    private Duration minDelay;

    /** Highest adaptive delay. Required with percentile. */
    private Duration maxDelay;

    public Integer getMaxAttempts() {
      return maxAttempts;
    }

    public void setMaxAttempts(Integer maxAttempts) {
      this.maxAttempts = maxAttempts;
    }

    public Duration getDelay() {
      return delay;
    }

    public void setDelay(Duration delay) {
      this.delay = delay;
    }

    public Double getPercentile() {
      return percentile;
    }

    public void setPercentile(Double percentile) {
      this.percentile = percentile;
    }

    public Duration getMinDelay() {
      return minDelay;
    }

    public void setMinDelay(Duration minDelay) {
      this.minDelay = minDelay;
    }

    public Duration getMaxDelay() {
      return maxDelay;
    }

    public void setMaxDelay(Duration maxDelay) {
      this.maxDelay = maxDelay;
    }
  }

  /** {@code rpcproxy.defaults.grpc.*}: what every gRPC client's channel inherits. */
  public static class GrpcDefaults {
    /** Plaintext (no TLS). Default false: TLS. */
    private Boolean plaintext;

    public Boolean getPlaintext() {
      return plaintext;
    }

    public void setPlaintext(Boolean plaintext) {
      this.plaintext = plaintext;
    }
  }

  /** A gRPC client's channel, created with the context and shut down when it closes. */
  public static class Grpc extends GrpcDefaults {
    /**
     * The channel's target, as {@code ManagedChannelBuilder.forTarget} takes it:
     * {@code host:port}, {@code dns:///host:port}. Or set {@code endpoints} instead.
     */
    private String target;

    /** The authority (TLS server name) to use instead of the target's host. */
    private String authority;

    public String getTarget() {
      return target;
    }

    public void setTarget(String target) {
      this.target = target;
    }

    public String getAuthority() {
      return authority;
    }

    public void setAuthority(String authority) {
      this.authority = authority;
    }
  }

  /** {@code rpcproxy.health.*}: the Actuator health contributor {@code rpcClients}. */
  public static class Health {
    /**
     * The status reported while a breaker is open. Default {@code CIRCUIT_OPEN}: a status of its
     * own, which Boot's aggregation ignores unless it is mapped
     * ({@code management.endpoint.health.status.order}); {@code DOWN} fails the health check.
     */
    private String openStatus = "CIRCUIT_OPEN";

    /** The status reported while a breaker is half-open. Default {@code CIRCUIT_HALF_OPEN}. */
    private String halfOpenStatus = "CIRCUIT_HALF_OPEN";

    public String getOpenStatus() {
      return openStatus;
    }

    public void setOpenStatus(String openStatus) {
      this.openStatus = openStatus;
    }

    public String getHalfOpenStatus() {
      return halfOpenStatus;
    }

    public void setHalfOpenStatus(String halfOpenStatus) {
      this.halfOpenStatus = halfOpenStatus;
    }
  }
}
