package dev.rpcproxy.testing;

import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.Transport;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A transport whose attempts answer from a script, blocking and async alike, and that records
 * every attempt's context. A script step returns a value, throws, or returns {@link #PENDING}: the
 * attempt then waits (async: its future stays open in {@link #pending()}; the test completes it).
 * Every method of the interface is idempotent unless {@link #idempotent} is set to false.
 */
public final class ScriptedTransport implements Transport {
  /** A step's answer meaning "do not answer now". */
  public static final Object PENDING = new Object();

  private final Queue<Function<AttemptContext, Object>> script = new ConcurrentLinkedQueue<>();
  private final List<AttemptContext> attempts = new CopyOnWriteArrayList<>();
  private final List<AttemptContext> blockingAttempts = new CopyOnWriteArrayList<>();
  private final List<CompletableFuture<Object>> pending = new CopyOnWriteArrayList<>();
  private volatile Function<AttemptContext, Object> otherwise = a -> "ok";
  private volatile boolean idempotent = true;

  /** Adds steps, one per attempt, in order; when they run out, attempts answer as {@link #otherwise}. */
  @SafeVarargs
  public final ScriptedTransport then(Function<AttemptContext, Object>... steps) {
    script.addAll(List.of(steps));
    return this;
  }

  /** What attempts answer once the script is used up. Default: "ok". */
  public ScriptedTransport otherwise(Function<AttemptContext, Object> step) {
    this.otherwise = step;
    return this;
  }

  /** Whether bound methods say they are idempotent. Default true. */
  public ScriptedTransport idempotent(boolean idempotent) {
    this.idempotent = idempotent;
    return this;
  }

  /** A step answering {@code value}. */
  public static Function<AttemptContext, Object> answer(Object value) {
    return a -> value;
  }

  /** A step failing with {@code failure}. */
  public static Function<AttemptContext, Object> fail(RuntimeException failure) {
    return a -> {
      throw failure;
    };
  }

  /** A step that does not answer (async only): the test completes its future. */
  public static Function<AttemptContext, Object> hang() {
    return a -> PENDING;
  }

  /** The context of every attempt sent, in order. */
  public List<AttemptContext> attempts() {
    return attempts;
  }

  /** The context of every attempt sent through the blocking {@code invoke}, in order. */
  public List<AttemptContext> blockingAttempts() {
    return blockingAttempts;
  }

  /** The futures of attempts that did not answer yet, in order. */
  public List<CompletableFuture<Object>> pending() {
    return pending;
  }

  @Override
  public BoundMethod bind(MethodContext method) {
    return new BoundMethod() {
      @Override
      public Object invoke(Object[] args, AttemptContext attempt) {
        attempts.add(attempt);
        blockingAttempts.add(attempt);
        Object result = next().apply(attempt);
        if (result == PENDING) {
          throw new IllegalStateException("a blocking attempt cannot hang in a scripted transport");
        }
        return result;
      }

      @Override
      public CompletableFuture<?> invokeAsync(Object[] args, AttemptContext attempt) {
        attempts.add(attempt);
        Object result;
        try {
          result = next().apply(attempt);
        } catch (RuntimeException e) {
          return CompletableFuture.failedFuture(e);
        }
        if (result == PENDING) {
          CompletableFuture<Object> future = new CompletableFuture<>();
          pending.add(future);
          return future;
        }
        return CompletableFuture.completedFuture(result);
      }

      @Override
      public boolean isIdempotent() {
        return idempotent;
      }
    };
  }

  private Function<AttemptContext, Object> next() {
    Function<AttemptContext, Object> step = script.poll();
    return step != null ? step : otherwise;
  }
}
