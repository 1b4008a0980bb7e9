package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.rpcproxy.spi.AttemptContext;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.StreamingMethod;
import dev.rpcproxy.spi.Transport;
import dev.rpcproxy.testing.Failures;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The engine's lock rule under load (issue 24): hedges, retries, deadlines, cancels and stream
 * requests interleaved from several threads, on a transport that calls back synchronously (from
 * {@code open}, {@code request} and {@code cancel}, on the caller's thread), as an in-process
 * transport may. A call that holds its lock while calling such a transport deadlocks against a
 * timer or a second caller thread; one that loses track of its end keeps its permit. Bounded: a few
 * seconds of calls, each of which must end within its own bound, or the test fails with a thread
 * dump; at the end every permit is back.
 */
class StreamCallStressTest {
  interface Feed {
    Flow.Publisher<String> watch(String topic);
  }

  private static final Duration RUN_FOR = Duration.ofSeconds(3);
  private static final long CALL_BOUND_SECONDS = 10;
  private static final int THREADS = 4;
  private static final int LIMIT = 8;

  /** The transport's own thread, for the streams that answer there (as gRPC's executor does). */
  private final ExecutorService transportThread = Executors.newSingleThreadExecutor();
  private final AtomicInteger opened = new AtomicInteger();
  private final AtomicInteger openNow = new AtomicInteger();

  @Test
  void hedgesCancelsDeadlinesAndRequestsFromSeveralThreadsNeitherDeadlockNorLosePermits() throws Exception {
    Feed feed = RpcProxy.builder(Feed.class).name("stress").transport(new SynchronousStreams())
        .policy(Policy.builder()
            .timeout(Duration.ofMillis(40))
            .concurrencyLimit(ConcurrencyLimit.fixed(LIMIT))
            .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build())
            .hedge(HedgePolicy.builder().maxAttempts(3).delay(Duration.ofMillis(1)).build())
            .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(1000).minimumNumberOfCalls(1000).build())
            .build())
        .build();
    ExecutorService callers = Executors.newFixedThreadPool(THREADS);
    ExecutorService cancellers = Executors.newFixedThreadPool(2);
    AtomicLong ended = new AtomicLong();
    AtomicLong messages = new AtomicLong();
    long until = System.nanoTime() + RUN_FOR.toNanos();
    List<Future<?>> loops = new ArrayList<>();
    try {
      for (int t = 0; t < THREADS; t++) {
        loops.add(callers.submit(() -> {
          while (System.nanoTime() - until < 0) {
            oneCall(feed, cancellers, ended, messages);
          }
          return null;
        }));
      }
      for (Future<?> loop : loops) {
        try {
          loop.get(RUN_FOR.toSeconds() + CALL_BOUND_SECONDS * 2, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException stuck) {
          fail("a caller thread is stuck (deadlock?)\n" + threadDump());
        }
      }
    } finally {
      callers.shutdownNow();
      cancellers.shutdown(); // the cancels already asked for still run
      transportThread.shutdown();
    }
    assertThat(cancellers.awaitTermination(CALL_BOUND_SECONDS, TimeUnit.SECONDS)).as("cancels ran").isTrue();

    assertThat(ended.get()).as("calls that ended").isGreaterThan(100);
    assertThat(opened.get()).isGreaterThan(100);
    // Every call has been cancelled or has ended, or will end at its 40 ms deadline: then every
    // permit must be back and every remote stream ended or cancelled. A lost one stays for good.
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(CALL_BOUND_SECONDS);
    while ((RpcProxy.inspect(feed).inFlight() != 0 || openNow.get() != 0) && System.nanoTime() - giveUp < 0) {
      Thread.sleep(10);
    }
    assertThat(RpcProxy.inspect(feed).inFlight()).as("permits still held").isZero();
    assertThat(openNow.get()).as("remote streams neither ended nor cancelled").isZero();
  }

  /**
   * Subscribes, asks for messages in random steps (from this thread and another), maybe cancels
   * from another thread, and waits (bounded) for the stream's end.
   */
  private void oneCall(Feed feed, ExecutorService cancellers, AtomicLong ended, AtomicLong messages)
      throws Exception {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    CountDownLatch done = new CountDownLatch(1);
    Flow.Subscription[] subscription = new Flow.Subscription[1];
    feed.watch("t").subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription[0] = s;
        s.request(1 + random.nextInt(3));
      }

      @Override
      public void onNext(String item) {
        messages.incrementAndGet();
        if (ThreadLocalRandom.current().nextInt(4) == 0) {
          subscription[0].request(1);
        }
      }

      @Override
      public void onError(Throwable throwable) {
        done.countDown();
      }

      @Override
      public void onComplete() {
        done.countDown();
      }
    });
    Flow.Subscription s = subscription[0];
    int plan = random.nextInt(4);
    if (plan == 0) {
      long after = random.nextLong(2_000_000);
      Future<?> cancelled = cancellers.submit(() -> {
        java.util.concurrent.locks.LockSupport.parkNanos(after); // lands anywhere in the call's life
        s.cancel();
      });
      try {
        cancelled.get(CALL_BOUND_SECONDS, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException stuck) {
        fail("a cancel did not return within " + CALL_BOUND_SECONDS + " s (deadlock?)\n" + threadDump());
      }
    } else if (plan == 1) {
      cancellers.submit(() -> s.request(5));
      s.request(Long.MAX_VALUE);
    } else if (plan == 2) {
      s.cancel();
    }
    // plan 3: leave it to the deadline or the stream's own end
    if (plan == 0 || plan == 2) {
      // A cancelled stream may stay silent (Reactive Streams); its end is the cancel itself.
      ended.incrementAndGet();
      return;
    }
    if (!done.await(CALL_BOUND_SECONDS, TimeUnit.SECONDS)) {
      fail("a stream did not end within " + CALL_BOUND_SECONDS + " s (deadlock?)\n" + threadDump());
    }
    ended.incrementAndGet();
  }

  private static String threadDump() {
    StringBuilder dump = new StringBuilder();
    Thread.getAllStackTraces().forEach((thread, stack) -> {
      dump.append('"').append(thread.getName()).append("\" ").append(thread.getState()).append('\n');
      for (StackTraceElement frame : stack) {
        dump.append("    at ").append(frame).append('\n');
      }
    });
    return dump.toString();
  }

  /**
   * A transport whose streams answer on the thread that asks: {@code open} subscribes and may fail
   * at once, {@code request} emits at once (or fails, completes, or stays silent), {@code cancel}
   * may answer with an error at once; one in five answers requests on the transport's own thread
   * instead. Each signals holding its own lock, as a transport serializing its callbacks does.
   * Each attempt picks its behaviour at random.
   */
  private final class SynchronousStreams implements Transport {
    @Override
    public BoundMethod bind(MethodContext method) {
      return new StreamingMethod() {
        @Override
        public void open(Object[] args, AttemptContext attempt, Flow.Subscriber<Object> messages) {
          opened.incrementAndGet();
          openNow.incrementAndGet();
          new Remote(messages).start();
        }

        @Override
        public boolean isIdempotent() {
          return true;
        }
      };
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
      return "synchronous-streams";
    }
  }

  /** One remote stream; signals serially (its own monitor), synchronously on the asking thread. */
  private final class Remote implements Flow.Subscription {
    private final Flow.Subscriber<Object> messages;
    private final int behaviour = ThreadLocalRandom.current().nextInt(5);
    private final int length = ThreadLocalRandom.current().nextInt(1, 6);
    private int sent;
    private boolean over;

    Remote(Flow.Subscriber<Object> messages) {
      this.messages = messages;
    }

    synchronized void start() {
      messages.onSubscribe(this);
      if (behaviour == 0 && !over) {
        end(Failures.unavailable()); // fails at once, from open
      }
    }

    @Override
    public void request(long n) {
      if (behaviour == 4) {
        transportThread.execute(() -> emit(n)); // answers on the transport's thread, holding its lock
      } else {
        emit(n);
      }
    }

    private synchronized void emit(long n) {
      if (over || behaviour == 1) {
        return; // behaviour 1: silent until cancelled or cut by the deadline
      }
      for (long i = 0; i < n && !over; i++) {
        if (behaviour == 2 && sent == 0) {
          end(Failures.unavailable()); // fails on the first request
          return;
        }
        if (sent == length) {
          end(null);
          return;
        }
        sent++;
        messages.onNext("m" + sent);
      }
    }

    @Override
    public synchronized void cancel() {
      if (!over) {
        if (behaviour == 3) {
          end(new CancellationException("cancelled")); // answers the cancel at once
        } else {
          over = true;
          openNow.decrementAndGet();
        }
      }
    }

    private void end(RuntimeException failure) {
      over = true;
      openNow.decrementAndGet();
      if (failure == null) {
        messages.onComplete();
      } else {
        messages.onError(failure);
      }
    }
  }
}
