package dev.rpcproxy;

import java.lang.reflect.Method;
import java.util.Objects;

/**
 * Answers a call that failed: timeouts, rejections, open breakers, transport failures and the
 * service's errors. Never the caller's errors ({@link FailureClassifier.Verdict#CALLER_ERROR}).
 * Ready-made ones are in {@link Fallbacks}.
 *
 * <pre>{@code
 * Fallback fallback = Fallbacks.cached().orElse(Fallbacks.value(Restaurant.UNKNOWN));
 * }</pre>
 *
 * <p>A fallback with no answer rethrows {@code call.cause()}. For a {@code CompletableFuture}
 * method it may return the value or a {@code CompletionStage} of it.
 */
@FunctionalInterface
public interface Fallback {

  /**
   * The answer to give instead of the failure.
   *
   * @throws Throwable {@code call.cause()} when there is no answer, or a deliberate error
   */
  Object apply(FailedCall call) throws Throwable;

  /**
   * Told of every successful call (the value, not a future) so that a caching fallback can keep
   * it. The default ignores it. Runs on the caller's or the transport's thread: keep it short.
   */
  default void onSuccess(String client, Method method, Object[] args, Object result) {}

  /**
   * Called once per method at {@code build()}.
   *
   * @throws IllegalArgumentException if this fallback can never answer for {@code method}
   */
  default void validate(Method method) {}

  /**
   * This fallback, then {@code next} when this one has no answer (rethrows the call's cause).
   * A different exception from this one is a deliberate answer and is thrown as it is.
   */
  default Fallback orElse(Fallback next) {
    Objects.requireNonNull(next, "next");
    Fallback first = this;
    return new Fallback() {
      @Override
      public Object apply(FailedCall call) throws Throwable {
        try {
          return first.apply(call);
        } catch (Throwable t) {
          if (t != call.cause()) {
            throw t;
          }
          return next.apply(call);
        }
      }

      @Override
      public void onSuccess(String client, Method method, Object[] args, Object result) {
        first.onSuccess(client, method, args, result);
        next.onSuccess(client, method, args, result);
      }

      @Override
      public void validate(Method method) {
        first.validate(method);
        next.validate(method);
      }
    };
  }
}
