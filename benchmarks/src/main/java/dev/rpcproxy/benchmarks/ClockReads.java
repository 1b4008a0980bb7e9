package dev.rpcproxy.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What one clock read costs on the machine at hand, to read the other rows by: a blocking call
 * through rpc-proxy reads {@code System.nanoTime()} when it starts and, when its duration is used
 * (metrics, adaptive limit), when it ends; Micrometer's timer reads {@code System.currentTimeMillis()}
 * for its decaying max and again for its histogram on every sample. On a VM these reads can cost
 * tens of nanoseconds each (a paravirtual clock such as kvm-clock), on bare metal with a stable TSC
 * far less.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class ClockReads {
  @Benchmark
  public long nanoTime() {
    return System.nanoTime();
  }

  @Benchmark
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }
}
