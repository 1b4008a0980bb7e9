package dev.rpcproxy.internal.limit;

import dev.rpcproxy.internal.limit.CallLimiter.Signal;
import dev.rpcproxy.testing.FakeTime;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A service with fixed capacity on {@link FakeTime}: it serves {@code capacity} calls at once,
 * each for the service time (+-10%, seeded), and queues the rest in arrival order, so latency
 * grows with what the limiter lets through. {@code callers} callers call in a closed loop: again
 * as soon as a call ends, and again after one service time when rejected. {@link #arrivals} adds
 * calls arriving at random (Poisson) at a given rate, each called once; {@link #clientLag} models a
 * busy client machine: the client learns of a call's end only after a scheduling delay.
 */
final class SimulatedService {
  final FakeTime time = new FakeTime();
  final CallLimiter limiter;
  private long serviceNanos;
  private final Random random = new Random(42);
  private final ArrayDeque<long[]> queue = new ArrayDeque<>();
  private int capacity;
  private int callers;
  private int activeCallers;
  private int busy;
  private int maxBusy;
  long served;
  long rejected;
  private final List<Long> latencies = new ArrayList<>();
  private final Random lagRandom = new Random(7);
  private java.util.function.ToLongFunction<Random> clientLag = random -> 0;
  private double slowShare;
  private long slowNanos;
  private double arrivalsPerSecond;
  private long arrivalEpoch;
  /** The most calls that wanted to be in flight at once: the callers, or in flight + 1 on arrival. */
  int maxDemand;
  /** The limit sampled every 10 ms: [time ms, limit]. */
  final List<int[]> limits = new ArrayList<>();

  SimulatedService(java.util.function.Function<FakeTime, CallLimiter> limiter, int capacity, int callers,
      Duration serviceTime) {
    this.limiter = limiter.apply(time);
    this.capacity = capacity;
    this.serviceNanos = serviceTime.toNanos();
    setCallers(callers);
    sample();
  }

  private void sample() {
    limits.add(new int[] {(int) (time.nanoTime() / 1_000_000), limiter.limit()});
    time.schedule(this::sample, 10_000_000);
  }

  /** A share (0..1) of calls takes {@code slowTime} instead of the service time. */
  void setSlowCalls(double share, Duration slowTime) {
    this.slowShare = share;
    this.slowNanos = slowTime.toNanos();
  }

  /**
   * The client's scheduling delay per call end, in nanoseconds, drawn from a seeded {@code Random}:
   * a busy neighbour process that keeps the client's threads off the CPU.
   */
  void clientLag(java.util.function.ToLongFunction<Random> lag) {
    this.clientLag = lag;
  }

  /** Besides the callers, calls arriving at random at {@code perSecond} (0 stops them). */
  void arrivals(double perSecond) {
    this.arrivalsPerSecond = perSecond;
    long epoch = ++arrivalEpoch;
    if (perSecond > 0) {
      scheduleArrival(epoch);
    }
  }

  private void scheduleArrival(long epoch) {
    long gap = (long) (-Math.log(1 - random.nextDouble()) / arrivalsPerSecond * 1e9);
    time.schedule(() -> {
      if (epoch == arrivalEpoch) {
        arrive();
        scheduleArrival(epoch);
      }
    }, Math.max(1, gap));
  }

  private void arrive() {
    maxDemand = Math.max(maxDemand, limiter.inFlight() + 1);
    if (!limiter.tryAcquire()) {
      rejected++;
      return;
    }
    admit(new long[] {time.nanoTime(), 0});
  }

  void setServiceTime(Duration serviceTime) {
    this.serviceNanos = serviceTime.toNanos();
  }

  void setCapacity(int capacity) {
    this.capacity = capacity;
    while (busy < capacity && !queue.isEmpty()) {
      startService(queue.poll());
    }
  }

  /** More callers start at once; fewer: callers beyond the number stop after their call. */
  void setCallers(int callers) {
    this.callers = callers;
    maxDemand = Math.max(maxDemand, callers);
    while (activeCallers < callers) {
      activeCallers++;
      call();
    }
  }

  void run(Duration duration) {
    time.advance(duration);
  }

  private void call() {
    if (activeCallers > callers) {
      activeCallers--;
      return;
    }
    if (!limiter.tryAcquire()) {
      rejected++;
      time.schedule(this::call, serviceNanos);
      return;
    }
    admit(new long[] {time.nanoTime(), 1});
  }

  /** call[0]: when admitted; call[1]: 1 for a closed-loop caller, which calls again. */
  private void admit(long[] call) {
    if (busy < capacity) {
      startService(call);
    } else {
      queue.add(call);
    }
  }

  private void startService(long[] call) {
    busy++;
    maxBusy = Math.max(maxBusy, busy);
    long took = slowShare > 0 && random.nextDouble() < slowShare
        ? slowNanos
        : (long) (serviceNanos * (0.9 + 0.2 * random.nextDouble()));
    time.schedule(() -> finish(call), took);
  }

  private void finish(long[] call) {
    busy--;
    if (busy < capacity && !queue.isEmpty()) {
      startService(queue.poll());
    }
    long lag = clientLag.applyAsLong(lagRandom);
    if (lag > 0) {
      time.schedule(() -> seen(call), lag);
    } else {
      seen(call);
    }
  }

  /** The client sees the call's end. */
  private void seen(long[] call) {
    long rtt = time.nanoTime() - call[0];
    latencies.add(rtt);
    served++;
    limiter.release(rtt, Signal.SUCCESS);
    if (call[1] == 1) {
      call();
    }
  }

  /** Latencies of calls that ended since the last reset, at percentile p (0..100), in ms. */
  double latencyMillis(double p) {
    long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
    return sorted[Math.max(0, index)] / 1e6;
  }

  double meanLatencyMillis() {
    return latencies.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6;
  }

  void resetCounts() {
    latencies.clear();
    served = 0;
    rejected = 0;
    maxBusy = 0;
    maxDemand = callers;
  }

  /** Limits sampled in [fromMs, toMs). */
  int[] limitsBetween(long fromMs, long toMs) {
    return limits.stream().filter(s -> s[0] >= fromMs && s[0] < toMs).mapToInt(s -> s[1]).toArray();
  }

  static int max(int[] values) {
    return Arrays.stream(values).max().orElseThrow();
  }

  static int min(int[] values) {
    return Arrays.stream(values).min().orElseThrow();
  }

  static double mean(int[] values) {
    return Arrays.stream(values).average().orElseThrow();
  }

  /** The first sample time (ms) at or after fromMs whose limit satisfies the test, or -1. */
  long firstTime(long fromMs, java.util.function.IntPredicate test) {
    return limits.stream().filter(s -> s[0] >= fromMs && test.test(s[1])).mapToLong(s -> s[0]).findFirst().orElse(-1);
  }

  long nowMillis() {
    return time.nanoTime() / 1_000_000;
  }
}
