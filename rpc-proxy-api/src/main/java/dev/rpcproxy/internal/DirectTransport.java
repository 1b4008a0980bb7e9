package dev.rpcproxy.internal;

import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.CallShape;
import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.Transport;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code Transports.direct} and {@code Transports.inline}: calls an object in this JVM.
 *
 * <p>Isolated mode runs blocking methods on a pool with no queue ({@link SynchronousQueue}) and at
 * most {@code maxThreads} threads, created on demand and ended after 30 s idle, so the caller can
 * give up at the deadline and the worker be interrupted.
 */
public final class DirectTransport implements Transport {
  private final Object target;
  private final int maxThreads;
  private final boolean isolated;
  private volatile ThreadPoolExecutor executor;

  /**
   * @param isolated run blocking methods on the pool (deadline enforced) or on the caller's thread
   */
  public DirectTransport(Object target, int maxThreads, boolean isolated) {
    this.target = Objects.requireNonNull(target, "target");
    if (isolated && maxThreads < 1) {
      throw new IllegalArgumentException("maxThreads must be at least 1, was " + maxThreads);
    }
    this.maxThreads = maxThreads;
    this.isolated = isolated;
  }

  @Override
  public BoundMethod bind(MethodContext context) {
    if (!context.api().isInstance(target)) {
      throw new IllegalArgumentException("direct target " + target.getClass().getName()
          + " does not implement " + context.api().getName());
    }
    MethodHandle method = handle(context);
    if (isolated && context.shape() != CallShape.ASYNC) {
      return new Isolated(context, method, executor(context.client()));
    }
    return new OnCallerThread(context, method);
  }

  @Override
  public void close() {
    ThreadPoolExecutor pool = executor;
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return (isolated ? "Transports.direct(" : "Transports.inline(") + target.getClass().getName() + ")";
  }

  private synchronized ThreadPoolExecutor executor(String client) {
    if (executor == null) {
      AtomicInteger count = new AtomicInteger();
      ThreadPoolExecutor pool = new ThreadPoolExecutor(0, maxThreads, 30, TimeUnit.SECONDS,
          new SynchronousQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "rpc-proxy-direct-" + client + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
          });
      executor = pool;
    }
    return executor;
  }

  /**
   * The target's method as {@code (Object[]) -> Object}, bound to the target: no reflection per
   * call, and the target's exceptions arrive unwrapped.
   */
  private MethodHandle handle(MethodContext context) {
    Method method = context.method();
    try {
      return MethodHandles.privateLookupIn(method.getDeclaringClass(), MethodHandles.lookup())
          .unreflect(method)
          .bindTo(target)
          .asSpreader(Object[].class, method.getParameterCount())
          .asType(MethodType.methodType(Object.class, Object[].class));
    } catch (IllegalAccessException | RuntimeException e) {
      throw new IllegalArgumentException(context.describe() + " is not accessible: " + e.getMessage(), e);
    }
  }

  private static Object call(MethodHandle method, Object[] args) throws Throwable {
    return method.invokeExact(args);
  }

  /** Runs on the caller's thread: async methods, and every method in inline mode. */
  private final class OnCallerThread implements BoundMethod {
    private final MethodContext context;
    private final MethodHandle method;

    OnCallerThread(MethodContext context, MethodHandle method) {
      this.context = context;
      this.method = method;
    }

    @Override
    public Object invoke(Object[] args, AttemptContext attempt) throws Throwable {
      return call(method, args);
    }

    @Override
    public CompletableFuture<?> invokeAsync(Object[] args, AttemptContext attempt) {
      Object result;
      try {
        result = call(method, args);
      } catch (Throwable t) {
        return CompletableFuture.failedFuture(t);
      }
      if (result instanceof CompletionStage<?> stage) {
        return stage.toCompletableFuture();
      }
      if (context.shape() != CallShape.ASYNC) {
        return CompletableFuture.completedFuture(result); // a blocking method run by the attempt engine
      }
      return CompletableFuture.failedFuture(RpcTransportException.permanent(context.client(),
          context.method().getName(), "direct target returned " + (result == null ? "null" : result.getClass().getName())
          + " instead of a CompletionStage", null));
    }
  }

  /** Runs blocking methods on the pool so that the caller returns at the deadline whatever the target does. */
  private final class Isolated implements BoundMethod {
    private final MethodContext context;
    private final MethodHandle method;
    private final ThreadPoolExecutor pool;

    Isolated(MethodContext context, MethodHandle method, ThreadPoolExecutor pool) {
      this.context = context;
      this.method = method;
      this.pool = pool;
    }

    @Override
    public Object invoke(Object[] args, AttemptContext attempt) throws Throwable {
      Future<Object> future = submit(args);
      try {
        return future.get(attempt.remainingNanos(), TimeUnit.NANOSECONDS);
      } catch (ExecutionException e) {
        throw e.getCause();
      } catch (TimeoutException e) {
        future.cancel(true);
        throw attempt.timeoutException(context.client(), context.method().getName(), e);
      } catch (CancellationException e) {
        throw RpcTransportException.permanent(context.client(), context.method().getName(), "cancelled", e);
      } catch (InterruptedException e) {
        future.cancel(true);
        Thread.currentThread().interrupt();
        throw RpcTransportException.interrupted(context.client(), context.method().getName(), "the target", e);
      }
    }

    /**
     * Runs the target on the pool (hedged or observed blocking methods); the attempt engine keeps
     * the deadline, and cancelling the future interrupts the target.
     */
    @Override
    public CompletableFuture<?> invokeAsync(Object[] args, AttemptContext attempt) {
      PooledFuture result = new PooledFuture();
      try {
        result.task = pool.submit(() -> {
          try {
            result.complete(call(method, args));
          } catch (Throwable t) {
            result.completeExceptionally(t);
          }
        });
        if (result.isCancelled()) {
          result.task.cancel(true);
        }
      } catch (RejectedExecutionException e) {
        result.completeExceptionally(new BulkheadFullException(context.client(), context.method().getName(), maxThreads));
      }
      return result;
    }

    private Future<Object> submit(Object[] args) {
      try {
        return pool.submit(() -> {
          try {
            return call(method, args);
          } catch (Exception | Error e) {
            throw e;
          } catch (Throwable t) {
            throw new ExecutionException(t);
          }
        });
      } catch (RejectedExecutionException e) {
        throw new BulkheadFullException(context.client(), context.method().getName(), maxThreads);
      }
    }
  }

  /** A target's run on the pool; cancelling the future interrupts the worker. */
  private static final class PooledFuture extends CompletableFuture<Object> {
    volatile Future<?> task;

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean cancelled = super.cancel(mayInterruptIfRunning);
      Future<?> running = task;
      if (running != null) {
        running.cancel(true);
      }
      return cancelled;
    }
  }
}
