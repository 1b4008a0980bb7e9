package dev.rpcproxy.internal;

import dev.rpcproxy.FailureClassifier.Verdict;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RetryPolicy;
import java.util.concurrent.ThreadLocalRandom;

/** When and after what wait a failed attempt is retried: one per method, sharing a budget. */
final class RetryPlan {
  static final long NO_RETRY = -1;

  private final int maxAttempts;
  private final long initialNanos;
  private final long maxNanos;
  private final double multiplier;
  private final double jitter;
  private final RetryBudget budget;

  RetryPlan(RetryPolicy policy, RetryBudget budget) {
    this.maxAttempts = policy.maxAttempts();
    this.initialNanos = policy.initialBackoff().toNanos();
    this.maxNanos = policy.maxBackoff().toNanos();
    this.multiplier = policy.multiplier();
    this.jitter = policy.jitter();
    this.budget = budget;
  }

  /** Attempts in all, the first included. */
  int maxAttempts() {
    return maxAttempts;
  }

  /**
   * The wait before the next attempt, or {@link #NO_RETRY}.
   *
   * @param attempt the attempt that just failed, from 1
   */
  long delayNanos(int attempt, Verdict verdict, Throwable failure, long remainingNanos) {
    if (verdict != Verdict.RETRYABLE_FAILURE || attempt >= maxAttempts) {
      return NO_RETRY;
    }
    long delay = backoffNanos(attempt);
    if (failure instanceof RemoteCallException remote && remote.retryAfter().isPresent()) {
      delay = Math.max(delay, remote.retryAfter().get().toNanos());
    }
    // Never past the deadline: a retry that cannot finish in time only adds load.
    if (delay >= remainingNanos || !budget.tryRetry()) {
      return NO_RETRY;
    }
    return delay;
  }

  long backoffNanos(int attempt) {
    double nominal = Math.min((double) maxNanos, initialNanos * Math.pow(multiplier, attempt - 1));
    double factor = jitter == 0 ? 1.0 : 1.0 - jitter * ThreadLocalRandom.current().nextDouble();
    return (long) (nominal * factor);
  }
}
