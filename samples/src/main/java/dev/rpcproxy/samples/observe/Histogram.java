package dev.rpcproxy.samples.observe;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Cumulative bucket counts of one or more timers' latency histograms (the buckets Prometheus
 * scrapes as {@code _bucket{le=...}}), summed by bucket bound. Two snapshots subtract to the calls
 * in between, whose quantiles are estimated the way PromQL's {@code histogram_quantile} does.
 * Immutable.
 */
public final class Histogram {
  /** Upper bound in nanoseconds → calls at or below it. */
  private final TreeMap<Double, Double> cumulative;
  private final double count;

  private Histogram(TreeMap<Double, Double> cumulative, double count) {
    this.cumulative = cumulative;
    this.count = count;
  }

  /** The histograms of {@code timers}, summed. */
  static Histogram of(Iterable<Timer> timers) {
    TreeMap<Double, Double> sum = new TreeMap<>();
    double count = 0;
    for (Timer timer : timers) {
      HistogramSnapshot snapshot = timer.takeSnapshot();
      count += snapshot.count();
      for (CountAtBucket bucket : snapshot.histogramCounts()) {
        sum.merge(bucket.bucket(TimeUnit.NANOSECONDS), bucket.count(), Double::sum);
      }
    }
    return new Histogram(sum, count);
  }

  /** The calls recorded in {@code this} but not in {@code earlier}. */
  Histogram minus(Histogram earlier) {
    TreeMap<Double, Double> diff = new TreeMap<>();
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      diff.put(e.getKey(), Math.max(0, e.getValue() - earlier.cumulative.getOrDefault(e.getKey(), 0.0)));
    }
    return new Histogram(diff, Math.max(0, count - earlier.count));
  }

  public double count() {
    return count;
  }

  /**
   * The {@code q} quantile in milliseconds, interpolated linearly within its bucket; NaN without
   * calls; the highest bound if the quantile lies beyond it.
   */
  public double quantileMillis(double q) {
    if (count <= 0 || cumulative.isEmpty()) {
      return Double.NaN;
    }
    double rank = q * count;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      if (e.getValue() >= rank) {
        double inBucket = e.getValue() - lowerCount;
        double fraction = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
        return (lowerBound + (e.getKey() - lowerBound) * fraction) / 1e6;
      }
      lowerBound = e.getKey();
      lowerCount = e.getValue();
    }
    return lowerBound / 1e6;
  }
}
