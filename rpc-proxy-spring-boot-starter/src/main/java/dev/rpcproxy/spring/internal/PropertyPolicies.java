package dev.rpcproxy.spring.internal;

import dev.rpcproxy.ConcurrencyLimit;
import dev.rpcproxy.FaultInjection;
import dev.rpcproxy.HedgePolicy;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.spring.RpcProxyProperties.PolicySettings;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Turns {@code rpcproxy.*} policy settings into {@link Policy} objects. A client's policy reads
 * each setting from the client, else {@code rpcproxy.defaults}. A method's override names only
 * what the method sets, so that it inherits the rest from its client (as
 * {@code RpcProxy.Builder.policy(method, policy)} does); a group the method touches
 * ({@code circuit-breaker}, {@code retry}, {@code hedge}) takes its other settings from the
 * client and the defaults. Every value the library rejects fails with the property's name.
 */
final class PropertyPolicies {
  private static final List<Function<PolicySettings, ?>> BREAKER = List.of(
      s -> s.getCircuitBreaker().getFailureRateThreshold(),
      s -> s.getCircuitBreaker().getSlidingWindowType(),
      s -> s.getCircuitBreaker().getSlidingWindowSize(),
      s -> s.getCircuitBreaker().getMinimumNumberOfCalls(),
      s -> s.getCircuitBreaker().getWaitDurationInOpenState(),
      s -> s.getCircuitBreaker().getPermittedNumberOfCallsInHalfOpenState(),
      s -> s.getCircuitBreaker().getSlowCallRateThreshold(),
      s -> s.getCircuitBreaker().getSlowCallDurationThreshold(),
      s -> s.getCircuitBreaker().getAutomaticTransitionFromOpenToHalfOpenEnabled());
  private static final List<Function<PolicySettings, ?>> RETRY = List.of(
      s -> s.getRetry().getMaxAttempts(),
      s -> s.getRetry().getInitialBackoff(),
      s -> s.getRetry().getMaxBackoff(),
      s -> s.getRetry().getMultiplier(),
      s -> s.getRetry().getJitter());
  private static final List<Function<PolicySettings, ?>> HEDGE = List.of(
      s -> s.getHedge().getMaxAttempts(),
      s -> s.getHedge().getDelay(),
      s -> s.getHedge().getPercentile(),
      s -> s.getHedge().getMinDelay(),
      s -> s.getHedge().getMaxDelay());

  private static final List<Function<PolicySettings, ?>> FAULTS = List.of(
      s -> s.getFaults().getDelay(),
      s -> s.getFaults().getDelayPercent(),
      s -> s.getFaults().getAbortPercent(),
      s -> s.getFaults().getAbortStatus(),
      s -> s.getFaults().getSeed());

  private PropertyPolicies() {}

  /** The client's policy: {@code chain} is the client, then the defaults. */
  static Policy client(SettingsChain chain, Boolean perMethodBreaker) {
    Policy.Builder policy = common(chain, chain);
    if (perMethodBreaker != null) {
      policy.circuitBreakerPerMethod(perMethodBreaker);
    }
    return policy.build();
  }

  /**
   * A method's override: top-level settings from {@code own} (the method alone), groups from
   * {@code groups} (the method, its client, the defaults) when the method sets any of the group.
   */
  static Policy method(SettingsChain own, SettingsChain groups) {
    return common(own, groups).build();
  }

  private static Policy.Builder common(SettingsChain own, SettingsChain groups) {
    Policy.Builder policy = Policy.builder();
    own.get("timeout", PolicySettings::getTimeout).applyTo(policy::timeout);
    own.get("attempt-timeout", PolicySettings::getAttemptTimeout).applyTo(policy::attemptTimeout);
    own.get("max-wait-for-permit", PolicySettings::getMaxWaitForPermit).applyTo(policy::maxWaitForPermit);
    concurrency(own, policy);
    if (own.anySetsAny(BREAKER) && (own == groups || groups.firstSetsAny(BREAKER))) {
      policy.circuitBreaker(breaker(groups));
    }
    if (own.anySetsAny(RETRY) && (own == groups || groups.firstSetsAny(RETRY))) {
      policy.retry(retry(groups));
    }
    if (own.anySetsAny(HEDGE) && (own == groups || groups.firstSetsAny(HEDGE))) {
      policy.hedge(hedge(groups));
    }
    if (own.anySetsAny(FAULTS) && (own == groups || groups.firstSetsAny(FAULTS))) {
      policy.faults(faults(groups));
    }
    return policy;
  }

  private static void concurrency(SettingsChain chain, Policy.Builder policy) {
    Setting<Integer> max = chain.get("max-concurrent-calls", PolicySettings::getMaxConcurrentCalls);
    Setting<String> limit = chain.get("concurrency-limit", PolicySettings::getConcurrencyLimit);
    if (max.present() && limit.present() && max.level() == limit.level()) {
      throw limit.invalid("set max-concurrent-calls or concurrency-limit, not both (" + max.name() + " is set too)");
    }
    if (max.present() && (!limit.present() || max.level() < limit.level())) {
      max.applyTo(policy::maxConcurrentCalls);
    } else if (limit.present()) {
      limit.applyTo(text -> policy.concurrencyLimit(concurrencyLimit(text.trim())));
    }
  }

  private static ConcurrencyLimit concurrencyLimit(String text) {
    if (text.equalsIgnoreCase("adaptive")) {
      return ConcurrencyLimit.adaptive();
    }
    int calls;
    try {
      calls = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("must be a number of calls or 'adaptive'");
    }
    if (calls < 1) {
      throw new IllegalArgumentException("must be a number of calls of at least 1, or 'adaptive'");
    }
    return ConcurrencyLimit.fixed(calls);
  }

  private static CircuitBreakerConfig breaker(SettingsChain chain) {
    CircuitBreakerConfig.Builder b = CircuitBreakerConfig.from(Policy.defaults().circuitBreaker().orElseThrow());
    String p = "circuit-breaker.";
    chain.get(p + "failure-rate-threshold", s -> s.getCircuitBreaker().getFailureRateThreshold())
        .applyTo(b::failureRateThreshold);
    Setting<CircuitBreakerConfig.SlidingWindowType> type =
        chain.get(p + "sliding-window-type", s -> s.getCircuitBreaker().getSlidingWindowType());
    Setting<Integer> size = chain.get(p + "sliding-window-size", s -> s.getCircuitBreaker().getSlidingWindowSize());
    if (type.present() || size.present()) {
      CircuitBreakerConfig.SlidingWindowType t =
          type.present() ? type.value() : CircuitBreakerConfig.SlidingWindowType.COUNT_BASED;
      (size.present() ? size : new Setting<>(size.name(), 20, size.level()))
          .applyTo(n -> b.slidingWindow(n, Math.min(n, minimumCalls(chain, n)), t));
    }
    chain.get(p + "minimum-number-of-calls", s -> s.getCircuitBreaker().getMinimumNumberOfCalls())
        .applyTo(b::minimumNumberOfCalls);
    chain.get(p + "wait-duration-in-open-state", s -> s.getCircuitBreaker().getWaitDurationInOpenState())
        .applyTo(b::waitDurationInOpenState);
    chain.get(p + "permitted-number-of-calls-in-half-open-state",
        s -> s.getCircuitBreaker().getPermittedNumberOfCallsInHalfOpenState())
        .applyTo(b::permittedNumberOfCallsInHalfOpenState);
    chain.get(p + "slow-call-rate-threshold", s -> s.getCircuitBreaker().getSlowCallRateThreshold())
        .applyTo(b::slowCallRateThreshold);
    chain.get(p + "slow-call-duration-threshold", s -> s.getCircuitBreaker().getSlowCallDurationThreshold())
        .applyTo(b::slowCallDurationThreshold);
    chain.get(p + "automatic-transition-from-open-to-half-open-enabled",
        s -> s.getCircuitBreaker().getAutomaticTransitionFromOpenToHalfOpenEnabled())
        .applyTo(b::automaticTransitionFromOpenToHalfOpenEnabled);
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new Setting<>(chain.firstPrefix() + ".circuit-breaker", "(several settings)", 0).invalid(e.getMessage());
    }
  }

  private static int minimumCalls(SettingsChain chain, int windowSize) {
    Integer set = chain.get("circuit-breaker.minimum-number-of-calls",
        s -> s.getCircuitBreaker().getMinimumNumberOfCalls()).value();
    return set != null ? set : Math.min(10, windowSize);
  }

  private static RetryPolicy retry(SettingsChain chain) {
    RetryPolicy.Builder b = RetryPolicy.builder();
    chain.get("retry.max-attempts", s -> s.getRetry().getMaxAttempts()).applyTo(b::maxAttempts);
    Setting<Duration> initial = chain.get("retry.initial-backoff", s -> s.getRetry().getInitialBackoff());
    Setting<Duration> max = chain.get("retry.max-backoff", s -> s.getRetry().getMaxBackoff());
    if (initial.present() || max.present()) {
      Duration i = initial.present() ? initial.value() : Duration.ofMillis(50);
      Duration m = max.present() ? max.value() : (i.compareTo(Duration.ofSeconds(1)) > 0 ? i : Duration.ofSeconds(1));
      (max.present() ? max : initial).applyTo(ignored -> b.backoff(i, m));
    }
    chain.get("retry.multiplier", s -> s.getRetry().getMultiplier()).applyTo(b::multiplier);
    chain.get("retry.jitter", s -> s.getRetry().getJitter()).applyTo(b::jitter);
    return b.build();
  }

  private static FaultInjection faults(SettingsChain chain) {
    FaultInjection.Builder b = FaultInjection.builder();
    Setting<Duration> delay = chain.get("faults.delay", s -> s.getFaults().getDelay());
    Setting<Double> delayPercent = chain.get("faults.delay-percent", s -> s.getFaults().getDelayPercent());
    if (delay.present() != delayPercent.present()) {
      Setting<?> missing = delay.present() ? delayPercent : delay;
      throw missing.invalid("a delay needs both faults.delay and faults.delay-percent");
    }
    delayPercent.applyTo(percent -> b.delay(delay.value(), percent));
    Setting<Double> abort = chain.get("faults.abort-percent", s -> s.getFaults().getAbortPercent());
    Setting<String> status = chain.get("faults.abort-status", s -> s.getFaults().getAbortStatus());
    abort.applyTo(b::abort);
    status.applyTo(text -> b.abort(abort.present() ? abort.value() : 0, text));
    chain.get("faults.seed", s -> s.getFaults().getSeed()).applyTo(b::seed);
    return b.build();
  }

  private static HedgePolicy hedge(SettingsChain chain) {
    HedgePolicy.Builder b = HedgePolicy.builder();
    chain.get("hedge.max-attempts", s -> s.getHedge().getMaxAttempts()).applyTo(b::maxAttempts);
    chain.get("hedge.delay", s -> s.getHedge().getDelay()).applyTo(b::delay);
    Setting<Double> percentile = chain.get("hedge.percentile", s -> s.getHedge().getPercentile());
    Setting<Duration> min = chain.get("hedge.min-delay", s -> s.getHedge().getMinDelay());
    Setting<Duration> max = chain.get("hedge.max-delay", s -> s.getHedge().getMaxDelay());
    if (percentile.present() || min.present() || max.present()) {
      if (!percentile.present() || !min.present() || !max.present()) {
        Setting<?> missing = !percentile.present() ? percentile : !min.present() ? min : max;
        throw missing.invalid("an adaptive hedge needs percentile, min-delay and max-delay");
      }
      percentile.applyTo(pct -> b.delayAtPercentile(pct, min.value(), max.value()));
    }
    return b.build();
  }
}
