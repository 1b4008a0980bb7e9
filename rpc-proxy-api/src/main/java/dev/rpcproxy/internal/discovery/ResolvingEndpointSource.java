package dev.rpcproxy.internal.discovery;

import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.TimeSource;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link EndpointSource} that asks a resolver for the list: once on first use (on the calling
 * thread), then every {@code refreshNanos} (never, if zero). A resolution that throws, returns
 * nothing or returns an invalid URI is counted and logged, and the last good list is kept.
 *
 * <p>Threads: refresh timers run on the {@link TimeSource}; with the system time source the
 * resolution itself runs on a shared daemon thread ("rpc-proxy-endpoints") because resolvers block
 * (DNS, registry clients); with an injected time source it runs on the thread that runs the timer,
 * so tests stay deterministic. The next refresh is scheduled when one ends: they never overlap.
 */
public final class ResolvingEndpointSource implements EndpointSource {
  private static final Logger log = LoggerFactory.getLogger("dev.rpcproxy.endpoints");

  private final String description;
  private final Callable<? extends List<URI>> resolver;
  private final long refreshNanos;
  private final TimeSource time;
  private final Executor executor;
  private final List<Consumer<List<URI>>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong failures = new AtomicLong();
  // Guards started, closed, timer and publication: a new subscriber's first list and every later
  // change are delivered under it, so each listener sees the lists in order.
  private final Object lock = new Object();
  private volatile List<URI> current = List.of();
  private boolean started;
  private boolean closed;
  private boolean failing;
  private Future<?> timer;

  /**
   * @param description what is resolved, for logs ({@code dns restaurants.internal:8080})
   * @param resolver returns the endpoints; may block; checked with {@link EndpointUris#checkAll}
   * @param refreshNanos the period between resolutions; zero resolves once
   */
  public ResolvingEndpointSource(String description, Callable<? extends List<URI>> resolver, long refreshNanos,
      TimeSource time) {
    this.description = description;
    this.resolver = resolver;
    this.refreshNanos = refreshNanos;
    this.time = time;
    this.executor = time == TimeSource.system() ? Resolvers.EXECUTOR : Runnable::run;
  }

  @Override
  public List<URI> endpoints() {
    start();
    return current;
  }

  @Override
  public Subscription subscribe(Consumer<List<URI>> listener) {
    java.util.Objects.requireNonNull(listener, "listener");
    start();
    synchronized (lock) {
      if (closed) {
        return () -> {};
      }
      listeners.add(listener);
      if (!current.isEmpty()) {
        listener.accept(current);
      }
    }
    return () -> listeners.remove(listener);
  }

  @Override
  public long resolutionFailures() {
    return failures.get();
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
      listeners.clear();
    }
  }

  @Override
  public String toString() {
    return "EndpointSource[" + description + ", " + current.size() + " endpoints]";
  }

  private void start() {
    synchronized (lock) {
      if (started || closed) {
        return;
      }
      started = true;
    }
    resolveAndReschedule();
  }

  private void resolveAndReschedule() {
    resolve();
    if (refreshNanos > 0) {
      synchronized (lock) {
        if (!closed) {
          timer = time.schedule(() -> executor.execute(this::resolveAndReschedule), refreshNanos);
        }
      }
    }
  }

  private void resolve() {
    List<URI> found;
    try {
      List<URI> resolved = resolver.call();
      if (resolved == null || resolved.isEmpty()) {
        failed("found no endpoint", null);
        return;
      }
      found = EndpointUris.checkAll(resolved);
    } catch (Exception | LinkageError e) {
      failed(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
      return;
    }
    publish(found);
  }

  private void failed(String why, Throwable cause) {
    failures.incrementAndGet();
    boolean first;
    synchronized (lock) {
      first = !failing;
      failing = true;
    }
    // WARN once per run of failures, DEBUG for the repeats: a dead registry must not flood the log.
    if (first) {
      log.warn("Resolving {} failed ({}); keeping the last {} endpoints", description, why, current.size());
    } else if (log.isDebugEnabled()) {
      log.debug("Resolving {} failed again ({}); keeping the last {} endpoints", description, why, current.size(),
          cause);
    }
  }

  private void publish(List<URI> found) {
    synchronized (lock) {
      if (failing) {
        failing = false;
        log.info("Resolving {} works again: {} endpoints", description, found.size());
      }
      if (closed || new HashSet<>(found).equals(new HashSet<>(current))) {
        return;
      }
      int before = current.size();
      current = found;
      if (before > 0) {
        log.info("Endpoints of {} changed: {} (were {})", description, found.size(), before);
      }
      for (Consumer<List<URI>> listener : listeners) {
        try {
          listener.accept(found);
        } catch (RuntimeException e) {
          log.warn("An endpoint listener of {} failed", description, e);
        }
      }
    }
  }

  /** Holder: the resolver thread starts only when a real-time refresh is due. */
  private static final class Resolvers {
    static final ExecutorService EXECUTOR = create();

    private static ExecutorService create() {
      ThreadPoolExecutor executor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), runnable -> {
            Thread thread = new Thread(runnable, "rpc-proxy-endpoints");
            thread.setDaemon(true);
            return thread;
          });
      executor.allowCoreThreadTimeOut(true);
      return executor;
    }
  }
}
