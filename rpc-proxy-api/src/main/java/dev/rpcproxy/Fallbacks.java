package dev.rpcproxy;

import dev.rpcproxy.internal.CachedFallback;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * Ready-made {@link Fallback}s.
 *
 * <pre>{@code
 * RpcProxy.builder(RestaurantApi.class)
 *     .fallback(Fallbacks.cached())                                  // last good answer
 *     .fallback("menu", Fallbacks.value(Menu.EMPTY))                 // per method
 *     .fallback("order", Fallbacks.error(call -> new OrderingPausedException(call.cause())))
 *     ...
 * }</pre>
 */
public final class Fallbacks {
  /** Entries kept by {@link #cached()}. */
  public static final int DEFAULT_CACHE_ENTRIES = 10_000;
  /** Age after which {@link #cached()} no longer serves an entry. */
  public static final Duration DEFAULT_CACHE_AGE = Duration.ofMinutes(10);

  private Fallbacks() {}

  /**
   * Serves the last successful answer for the same method and equal arguments (arrays compared
   * by content), at most {@value #DEFAULT_CACHE_ENTRIES} entries, none older than 10 minutes.
   * Without an entry it rethrows the failure. Use one instance per client or share it: keys
   * include the client name.
   */
  public static Fallback cached() {
    return cached(DEFAULT_CACHE_ENTRIES, DEFAULT_CACHE_AGE);
  }

  /**
   * {@link #cached()} with its bounds.
   *
   * @throws IllegalArgumentException if {@code maxEntries < 1} or {@code maxAge} is not positive
   */
  public static Fallback cached(int maxEntries, Duration maxAge) {
    return cached(maxEntries, maxAge, TimeSource.system());
  }

  /** {@link #cached(int, Duration)} with ages read from {@code time} (for tests). */
  public static Fallback cached(int maxEntries, Duration maxAge, TimeSource time) {
    return new CachedFallback(maxEntries, maxAge, time);
  }

  /** Always answers {@code value} (may be {@code null}). */
  public static Fallback value(Object value) {
    return call -> value;
  }

  /** Answers what {@code function} returns for the failed call. */
  public static Fallback of(Function<FailedCall, ?> function) {
    Objects.requireNonNull(function, "function");
    return function::apply;
  }

  /** Throws the exception {@code function} makes, for example a domain exception wrapping the cause. */
  public static Fallback error(Function<FailedCall, ? extends RuntimeException> function) {
    Objects.requireNonNull(function, "function");
    return call -> {
      RuntimeException error = function.apply(call);
      throw error != null ? error : new NullPointerException("error fallback returned null");
    };
  }

  /**
   * Calls the same method (name and parameter types) on {@code target}, typically a local,
   * degraded implementation of the interface.
   *
   * @throws IllegalArgumentException at {@code build()} if {@code target} lacks a method
   */
  public static Fallback implementation(Object target) {
    Objects.requireNonNull(target, "target");
    return new Fallback() {
      @Override
      public Object apply(FailedCall call) throws Throwable {
        Method m = call.method();
        Method own = m.getDeclaringClass().isInstance(target) ? m : find(m);
        try {
          return own.invoke(target, call.args());
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      }

      @Override
      public void validate(Method method) {
        find(method);
      }

      private Method find(Method m) {
        try {
          Method own = target.getClass().getMethod(m.getName(), m.getParameterTypes());
          own.setAccessible(true);
          return own;
        } catch (NoSuchMethodException e) {
          throw new IllegalArgumentException("fallback implementation " + target.getClass().getName()
              + " has no method " + m.getName() + " for " + m.getDeclaringClass().getSimpleName() + "." + m.getName(), e);
        }
      }
    };
  }
}
