package dev.rpcproxy;

import java.time.Duration;
import java.util.Objects;

/**
 * When an instance of a balanced service stops getting calls for a while. Immutable.
 *
 * <pre>{@code
 * HttpTransport.builder()
 *     .endpoints(Endpoints.of("http://10.0.0.5:8080", "http://10.0.0.6:8080", "http://10.0.0.7:8080"))
 *     .outlierEjection(OutlierEjection.custom().consecutiveFailures(3).build())
 *     .build();
 * }</pre>
 *
 * <p>What counts as a failure is what the client's breaker counts with the standard
 * classification: 5xx, 408, 429, connect and I/O failures and timeouts; never the caller's errors
 * (other 4xx). An ejected endpoint gets no new calls for {@code baseEjectionTime} × the number of
 * times it has been ejected, at most {@code maxEjectionTime}; it then gets calls again. Never more
 * than {@code maxEjectionPercent} of the endpoints are ejected at once, and never the last usable
 * one.
 *
 * <ul>
 *   <li>REST ({@code HttpTransport}): an endpoint is ejected after {@code consecutiveFailures}
 *       failures in a row (like Envoy's consecutive-5xx detection); any success resets the count.
 *   <li>gRPC ({@code GrpcChannels.balanced}): grpc-java's {@code outlier_detection} has no
 *       consecutive mode, so every {@code interval} it ejects the addresses whose failure share
 *       over that interval reached {@code failurePercentage}, among addresses that had at least
 *       {@code minimumRequests} calls (and only when at least two addresses did).
 * </ul>
 *
 * <p>Defaults ({@link #ofDefaults()}): 5 consecutive failures, base ejection 30 s, max ejection
 * 300 s, at most 50% ejected; gRPC: interval 10 s, 50% failures, 10 calls minimum.
 */
public final class OutlierEjection {
  private static final OutlierEjection DEFAULTS = new Builder().build();
  private static final OutlierEjection DISABLED = new Builder().maxEjectionPercent(0).build();

  private final int consecutiveFailures;
  private final Duration baseEjectionTime;
  private final Duration maxEjectionTime;
  private final int maxEjectionPercent;
  private final Duration interval;
  private final int failurePercentage;
  private final int minimumRequests;

  private OutlierEjection(Builder b) {
    this.consecutiveFailures = b.consecutiveFailures;
    this.baseEjectionTime = b.baseEjectionTime;
    this.maxEjectionTime = b.maxEjectionTime;
    this.maxEjectionPercent = b.maxEjectionPercent;
    this.interval = b.interval;
    this.failurePercentage = b.failurePercentage;
    this.minimumRequests = b.minimumRequests;
  }

  /** The defaults listed in the class Javadoc. */
  public static OutlierEjection ofDefaults() {
    return DEFAULTS;
  }

  /** Never ejects: {@code maxEjectionPercent} 0. */
  public static OutlierEjection disabled() {
    return DISABLED;
  }

  /** A builder starting from the defaults. */
  public static Builder custom() {
    return new Builder();
  }

  /** A builder starting from {@code base}. */
  public static Builder from(OutlierEjection base) {
    return new Builder(base);
  }

  /** REST: failures in a row that eject an endpoint. Default 5. */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  /** First ejection's length; the n-th lasts n times this. Default 30 s. */
  public Duration baseEjectionTime() {
    return baseEjectionTime;
  }

  /** The longest an ejection lasts. Default 300 s. */
  public Duration maxEjectionTime() {
    return maxEjectionTime;
  }

  /** The largest share of endpoints ejected at once, 0 (never eject) to 100. Default 50. */
  public int maxEjectionPercent() {
    return maxEjectionPercent;
  }

  /** gRPC: how often failure shares are evaluated. Default 10 s. */
  public Duration interval() {
    return interval;
  }

  /** gRPC: failure share (percent, 1..100) of an interval that ejects an address. Default 50. */
  public int failurePercentage() {
    return failurePercentage;
  }

  /** gRPC: calls an address needs in an interval to be judged. Default 10. */
  public int minimumRequests() {
    return minimumRequests;
  }

  @Override
  public String toString() {
    return "OutlierEjection[consecutiveFailures=" + consecutiveFailures + ", baseEjectionTime=" + baseEjectionTime
        + ", maxEjectionTime=" + maxEjectionTime + ", maxEjectionPercent=" + maxEjectionPercent + ", interval="
        + interval + ", failurePercentage=" + failurePercentage + ", minimumRequests=" + minimumRequests + "]";
  }

  /** Configures an {@link OutlierEjection}; every setter throws {@link IllegalArgumentException} for invalid values. */
  public static final class Builder {
    private int consecutiveFailures = 5;
    private Duration baseEjectionTime = Duration.ofSeconds(30);
    private Duration maxEjectionTime = Duration.ofSeconds(300);
    private int maxEjectionPercent = 50;
    private Duration interval = Duration.ofSeconds(10);
    private int failurePercentage = 50;
    private int minimumRequests = 10;

    private Builder() {}

    private Builder(OutlierEjection base) {
      this.consecutiveFailures = base.consecutiveFailures;
      this.baseEjectionTime = base.baseEjectionTime;
      this.maxEjectionTime = base.maxEjectionTime;
      this.maxEjectionPercent = base.maxEjectionPercent;
      this.interval = base.interval;
      this.failurePercentage = base.failurePercentage;
      this.minimumRequests = base.minimumRequests;
    }

    /** At least 1. */
    public Builder consecutiveFailures(int failures) {
      if (failures < 1) {
        throw new IllegalArgumentException("consecutiveFailures must be at least 1, was " + failures);
      }
      this.consecutiveFailures = failures;
      return this;
    }

    /** Positive. */
    public Builder baseEjectionTime(Duration time) {
      this.baseEjectionTime = positive(time, "baseEjectionTime");
      return this;
    }

    /** Positive; an ejection lasts at least {@code baseEjectionTime} even if this is shorter. */
    public Builder maxEjectionTime(Duration time) {
      this.maxEjectionTime = positive(time, "maxEjectionTime");
      return this;
    }

    /** 0..100. */
    public Builder maxEjectionPercent(int percent) {
      if (percent < 0 || percent > 100) {
        throw new IllegalArgumentException("maxEjectionPercent must be in 0..100, was " + percent);
      }
      this.maxEjectionPercent = percent;
      return this;
    }

    /** Positive. */
    public Builder interval(Duration interval) {
      this.interval = positive(interval, "interval");
      return this;
    }

    /** 1..100. */
    public Builder failurePercentage(int percent) {
      if (percent < 1 || percent > 100) {
        throw new IllegalArgumentException("failurePercentage must be in 1..100, was " + percent);
      }
      this.failurePercentage = percent;
      return this;
    }

    /** At least 1. */
    public Builder minimumRequests(int requests) {
      if (requests < 1) {
        throw new IllegalArgumentException("minimumRequests must be at least 1, was " + requests);
      }
      this.minimumRequests = requests;
      return this;
    }

    /** The settings. */
    public OutlierEjection build() {
      return new OutlierEjection(this);
    }

    private static Duration positive(Duration duration, String name) {
      Objects.requireNonNull(duration, name);
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, was " + duration);
      }
      return duration;
    }
  }
}
