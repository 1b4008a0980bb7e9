package dev.rpcproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DirectTransportTest {
  interface Service {
    String hang(String id);

    String spin(String id);

    String fail(String id);

    CompletableFuture<String> later(String id);
  }

  static class Target implements Service {
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch interrupted = new CountDownLatch(1);
    final AtomicReference<String> threadName = new AtomicReference<>();
    final AtomicBoolean stopSpinning = new AtomicBoolean();
    final CompletableFuture<String> never = new CompletableFuture<>();

    @Override
    public String hang(String id) {
      threadName.set(Thread.currentThread().getName());
      entered.countDown();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        interrupted.countDown();
      }
      return "late";
    }

    @Override
    public String spin(String id) {
      entered.countDown();
      while (!stopSpinning.get()) {
        Thread.onSpinWait(); // ignores interrupts entirely
      }
      return "late";
    }

    @Override
    public String fail(String id) {
      throw new UncheckedIOException(new IOException("disk on fire"));
    }

    @Override
    public CompletableFuture<String> later(String id) {
      return never;
    }
  }

  private static Service client(Target target) {
    return client(target, Duration.ofMillis(100));
  }

  private static Service client(Target target, Duration timeout) {
    return RpcProxy.builder(Service.class).name("orders").transport(Transports.direct(target))
        .policy(Policy.builder().timeout(timeout).build()).build();
  }

  @Test
  void timesOutAndInterruptsATargetThatKnowsNothingOfDeadlines() throws Exception {
    Target target = new Target();
    Service svc = client(target);
    try {
      assertThatThrownBy(() -> svc.hang("1")).isInstanceOf(RpcTimeoutException.class)
          .hasMessageContaining("orders.hang timed out after 100 ms");
      assertThat(target.interrupted.await(5, TimeUnit.SECONDS)).as("the target was interrupted").isTrue();
      assertThat(target.threadName.get()).startsWith("rpc-proxy-direct-orders-");
    } finally {
      RpcProxy.close(svc);
    }
  }

  @Test
  void callerReturnsAtTheDeadlineEvenIfTheTargetIgnoresInterrupts() {
    Target target = new Target();
    Service svc = client(target);
    try {
      long start = System.nanoTime();
      assertThatThrownBy(() -> svc.spin("1")).isInstanceOf(RpcTimeoutException.class);
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(tookMillis).as("returned near the 100 ms deadline").isLessThan(2_000);
    } finally {
      target.stopSpinning.set(true);
      RpcProxy.close(svc);
    }
  }

  @Test
  void exceptionsFromTheTargetPassThroughUnchanged() {
    // A deadline far from what the call needs: the target throws at once, but on a loaded machine
    // its worker thread may start later than 100 ms (seen at load 20, then a timeout, not the exception).
    Service svc = client(new Target(), Duration.ofSeconds(30));
    try {
      assertThatThrownBy(() -> svc.fail("1")).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("disk on fire");
    } finally {
      RpcProxy.close(svc);
    }
  }

  @Test
  void asyncTargetsAreCancelledAtTheDeadline() {
    Target target = new Target();
    Service svc = client(target);
    CompletableFuture<String> result = svc.later("1");
    await().atMost(Duration.ofSeconds(5)).until(result::isDone);
    assertThatThrownBy(result::join).hasCauseInstanceOf(RpcTimeoutException.class);
    assertThat(target.never).as("the target's own future was cancelled").isCancelled();
  }

  @Test
  void idleWorkerThreadsAreBoundedAndNamedForTheClient() throws Exception {
    Target target = new Target();
    Service svc = RpcProxy.builder(Service.class).name("tiny").transport(Transports.direct(target, 1))
        .policy(Policy.builder().timeout(Duration.ofSeconds(5)).build()).build();
    try {
      Thread caller = new Thread(() -> {
        try {
          svc.hang("1");
        } catch (RpcException ignored) {
          // interrupted below
        }
      });
      caller.start();
      assertThat(target.entered.await(5, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> svc.fail("2")).as("the only worker is busy")
          .isInstanceOf(BulkheadFullException.class);
      caller.interrupt();
      caller.join(5_000);
    } finally {
      RpcProxy.close(svc);
    }
  }

  @Test
  void inlineRunsOnTheCallersThread() {
    AtomicReference<Thread> ran = new AtomicReference<>();
    Service target = new Target() {
      @Override
      public String fail(String id) {
        ran.set(Thread.currentThread());
        return id;
      }
    };
    Service svc = RpcProxy.builder(Service.class).transport(Transports.inline(target)).build();
    assertThat(svc.fail("x")).isEqualTo("x");
    assertThat(ran.get()).isSameAs(Thread.currentThread());
  }
}
