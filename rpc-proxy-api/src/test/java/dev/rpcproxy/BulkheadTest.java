package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BulkheadTest {
  interface Service {
    int block(int id);

    CompletableFuture<Integer> pending(int id);
  }

  /** A service whose calls wait for a latch (sync) or for the test (async futures). */
  static final class Held implements Service {
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final ConcurrentLinkedQueue<CompletableFuture<Integer>> futures = new ConcurrentLinkedQueue<>();

    @Override
    public int block(int id) {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        release.await();
        return id;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted");
      } finally {
        inFlight.decrementAndGet();
      }
    }

    @Override
    public CompletableFuture<Integer> pending(int id) {
      CompletableFuture<Integer> f = new CompletableFuture<>();
      futures.add(f);
      return f;
    }
  }

  private static double available(SimpleMeterRegistry registry, String name) {
    Gauge gauge = registry.find("resilience4j.bulkhead.available.concurrent.calls").tag("name", name).gauge();
    return gauge.value();
  }

  @Test
  void rejectsBlockingCallsAtTheBoundAndNeverSendsThem() throws Exception {
    Held held = new Held();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Service svc = RpcProxy.builder(Service.class).name("held").transport(Transports.inline(held))
        .policy(Policy.builder().maxConcurrentCalls(3).build()).meterRegistry(registry).build();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Integer>> running = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int id = i;
        running.add(pool.submit(() -> svc.block(id)));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> held.inFlight.get() == 3);
      assertThatThrownBy(() -> svc.block(9))
          .isInstanceOf(BulkheadFullException.class)
          .hasMessageContaining("held.block")
          .satisfies(e -> assertThat(((BulkheadFullException) e).maxConcurrentCalls()).isEqualTo(3));
      assertThat(held.maxInFlight).hasValue(3);
      held.release.countDown();
      for (Future<Integer> f : running) {
        f.get(5, TimeUnit.SECONDS);
      }
      assertThat(available(registry, "held")).isEqualTo(3);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void asyncCallsHoldTheirPermitUntilTheyReallyEnd() {
    Held held = new Held();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Service svc = RpcProxy.builder(Service.class).name("held").transport(Transports.inline(held))
        .policy(Policy.builder().maxConcurrentCalls(2).build()).meterRegistry(registry).build();
    CompletableFuture<Integer> a = svc.pending(1);
    CompletableFuture<Integer> b = svc.pending(2);
    CompletableFuture<Integer> c = svc.pending(3);
    assertThat(c).isCompletedExceptionally();
    assertThatThrownBy(c::join).hasCauseInstanceOf(BulkheadFullException.class);
    assertThat(available(registry, "held")).isZero();

    held.futures.poll().complete(10);
    assertThat(a.join()).isEqualTo(10);
    assertThat(available(registry, "held")).isEqualTo(1);
    b.cancel(true);
    assertThat(held.futures.poll()).as("cancel reaches the attempt").isCancelled();
    assertThat(available(registry, "held")).isEqualTo(2);
  }

  @Test
  void waitsForAPermitWhenConfigured() throws Exception {
    Held held = new Held();
    Service svc = RpcProxy.builder(Service.class).transport(Transports.inline(held))
        .policy(Policy.builder().maxConcurrentCalls(1).maxWaitForPermit(Duration.ofSeconds(10)).build()).build();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Integer> first = pool.submit(() -> svc.block(1));
      await().atMost(Duration.ofSeconds(5)).until(() -> held.inFlight.get() == 1);
      Future<Integer> second = pool.submit(() -> svc.block(2));
      held.release.countDown();
      assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(second.get(5, TimeUnit.SECONDS)).as("the waiting call got the permit").isEqualTo(2);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aPermitWaitEndsAtTheCallsDeadline() throws Exception {
    // The wait allowed (a minute) is far longer than the call's deadline (200 ms): the waiting call
    // must end as a timeout when its deadline passes, not wait the whole minute.
    Held held = new Held();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Service svc = RpcProxy.builder(Service.class).name("capped").transport(Transports.inline(held))
        .policy(Policy.builder().maxConcurrentCalls(1).maxWaitForPermit(Duration.ofMinutes(1))
            .timeout(Duration.ofMillis(200)).build())
        .meterRegistry(registry).build();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<Integer> first = pool.submit(() -> svc.block(1));
      await().atMost(Duration.ofSeconds(5)).until(() -> held.inFlight.get() == 1);
      Future<Throwable> second = pool.submit(() -> {
        try {
          svc.block(2);
          return null;
        } catch (Throwable t) {
          return t;
        }
      });
      assertThat(second.get(30, TimeUnit.SECONDS)).as("ended by its deadline while waiting")
          .isInstanceOf(RpcTimeoutException.class);
      assertThat(held.inFlight.get()).as("the waiting call never reached the service").isEqualTo(1);
      held.release.countDown();
      assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(available(registry, "capped")).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Many async calls on real time: some complete, some fail, some are cancelled by the caller and
   * some time out, racing each other. Afterwards every permit is back and every call has exactly
   * one outcome.
   */
  @Test
  void neverLeaksAPermitUnderCancelAndTimeoutRaces() throws Exception {
    int limit = 8;
    Held held = new Held();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Service svc = RpcProxy.builder(Service.class).name("race").transport(Transports.inline(held))
        .policy(Policy.builder().maxConcurrentCalls(limit).timeout(Duration.ofMillis(5)).build())
        .meterRegistry(registry).build();
    ExecutorService completers = Executors.newFixedThreadPool(2);
    Random random = new Random(42);
    int calls = 4000;
    List<CompletableFuture<Integer>> results = new ArrayList<>();
    try {
      for (int i = 0; i < calls; i++) {
        CompletableFuture<Integer> f = svc.pending(i);
        results.add(f);
        CompletableFuture<Integer> attempt = held.futures.poll();
        int action = random.nextInt(4);
        if (attempt == null) {
          continue; // rejected by the bulkhead: no attempt was started
        }
        switch (action) {
          case 0 -> completers.execute(() -> attempt.complete(1));
          case 1 -> completers.execute(() -> attempt.completeExceptionally(new IllegalStateException("boom")));
          case 2 -> completers.execute(() -> f.cancel(true));
          default -> { } // left to time out
        }
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> results.stream().allMatch(CompletableFuture::isDone));
      await().atMost(Duration.ofSeconds(10)).until(() -> available(registry, "race") == limit);
      double counted = registry.find("rpc.client.calls").timers().stream().mapToDouble(t -> t.count()).sum();
      assertThat(counted).as("exactly one outcome per call").isEqualTo(calls);
    } finally {
      completers.shutdownNow();
    }
  }

  /** The same with blocking calls on real threads through the deadline-enforcing direct transport. */
  @Test
  void blockingCallsReleasePermitsWhenTheyTimeOut() throws Exception {
    Held held = new Held();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    // The breaker kept closed, so that every call reaches the bulkhead: how many of the 60 time out
    // depends on how fast the machine runs the callers, and at load 30 enough did to open the
    // default breaker (then CircuitOpenException, counted as neither).
    Service svc = RpcProxy.builder(Service.class).name("direct").transport(Transports.direct(held, 16))
        .policy(Policy.builder().maxConcurrentCalls(4).timeout(Duration.ofMillis(20))
            .circuitBreaker(io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.custom()
                .slidingWindowSize(1000).minimumNumberOfCalls(1000).build())
            .build())
        .meterRegistry(registry).build();
    ExecutorService callers = Executors.newFixedThreadPool(6);
    AtomicInteger timeouts = new AtomicInteger();
    AtomicInteger rejected = new AtomicInteger();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        done.add(callers.submit(() -> {
          try {
            svc.block(1);
          } catch (RpcTimeoutException e) {
            timeouts.incrementAndGet();
          } catch (BulkheadFullException e) {
            rejected.incrementAndGet();
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
      assertThat(timeouts.get() + rejected.get()).isEqualTo(60);
      assertThat(timeouts.get()).isPositive();
      assertThat(available(registry, "direct")).isEqualTo(4);
      await().atMost(Duration.ofSeconds(5)).until(() -> held.inFlight.get() == 0);
      assertThat(held.maxInFlight.get()).as("interrupted workers ended").isLessThanOrEqualTo(16);
    } finally {
      callers.shutdownNow();
      RpcProxy.close(svc);
    }
  }
}
