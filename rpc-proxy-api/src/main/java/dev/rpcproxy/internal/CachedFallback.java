package dev.rpcproxy.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.rpcproxy.FailedCall;
import dev.rpcproxy.Fallback;
import dev.rpcproxy.TimeSource;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * {@code Fallbacks.cached()}: the last good answer per client, method and argument values, in a
 * Caffeine cache bounded by size and by age since the answer was stored.
 */
public final class CachedFallback implements Fallback {
  private static final Object NULL = new Object();

  private final Cache<Key, Object> cache;

  /**
   * @throws IllegalArgumentException if {@code maxEntries < 1} or {@code maxAge} is not positive
   */
  public CachedFallback(int maxEntries, Duration maxAge, TimeSource time) {
    Objects.requireNonNull(maxAge, "maxAge");
    Objects.requireNonNull(time, "time");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("cached fallback maxEntries must be at least 1, was " + maxEntries);
    }
    if (maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("cached fallback maxAge must be positive, was " + maxAge);
    }
    this.cache = Caffeine.newBuilder()
        .maximumSize(maxEntries)
        .expireAfterWrite(maxAge)
        .ticker(time::nanoTime)
        .executor(Runnable::run)
        .build();
  }

  @Override
  public Object apply(FailedCall call) throws Throwable {
    Object value = cache.getIfPresent(new Key(call.client(), call.method(), call.args()));
    if (value == null) {
      throw call.cause();
    }
    return value == NULL ? null : value;
  }

  @Override
  public void onSuccess(String client, Method method, Object[] args, Object result) {
    cache.put(new Key(client, method, args.clone()), result == null ? NULL : result);
  }

  /** Number of answers held now (for tests and diagnostics). */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  /** Arguments are compared by value, arrays by content: one caller's answer never serves other arguments. */
  private static final class Key {
    private final String client;
    private final Method method;
    private final Object[] args;
    private final int hash;

    Key(String client, Method method, Object[] args) {
      this.client = client;
      this.method = method;
      this.args = args;
      this.hash = (client.hashCode() * 31 + method.hashCode()) * 31 + Arrays.deepHashCode(args);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && hash == k.hash && client.equals(k.client) && method.equals(k.method)
          && Arrays.deepEquals(args, k.args);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
