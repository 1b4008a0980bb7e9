package dev.rpcproxy.samples;

import dev.rpcproxy.samples.downstream.Downstream;
import dev.rpcproxy.samples.downstream.Fault;
import dev.rpcproxy.samples.load.Load;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The chapters of the demo's story: what the downstream services do, and how hard the order
 * service is pushed. {@link #weight()} is the chapter's share of the full run.
 */
public enum Scenario {
  HEALTHY(5, "every service answers in a few ms"),
  SLOW(10, "restaurants: 1 request in 5 takes 1 s; consumers: 1 request in 10 fails with UNAVAILABLE"),
  DOWN(10, "restaurants answer every request with HTTP 503"),
  RECOVERING(10, "restaurants stay down for the first 30% of the phase, then answer again"),
  OVERLOAD(10, "4x the orders from 16 callers while restaurants slow to ~150 ms");

  static final Load NORMAL_LOAD = new Load(6, 40);
  static final Load HEAVY_LOAD = new Load(16, 160);
  /** Threads the load generator starts: enough for the heaviest load. */
  static final int MAX_THREADS = 16;

  private static final Fault RESTAURANTS_OK = Fault.healthy(Duration.ofMillis(6), Duration.ofMillis(3));
  private static final Fault CONSUMERS_OK = Fault.healthy(Duration.ofMillis(3), Duration.ofMillis(2));
  private static final Fault KITCHEN_OK = Fault.healthy(Duration.ofMillis(4), Duration.ofMillis(2));

  private final int weight;
  private final String injected;

  Scenario(int weight, String injected) {
    this.weight = weight;
    this.injected = injected;
  }

  /** The name on the command line and in output: {@code healthy}, {@code slow}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The scenario named {@code label}, if any. */
  public static Optional<Scenario> byLabel(String label) {
    for (Scenario s : values()) {
      if (s.label().equals(label)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** Relative length in the full story. */
  public int weight() {
    return weight;
  }

  /** What the demo does to the services, in one line. */
  public String injected() {
    return injected;
  }

  /** The load during this scenario. */
  public Load load() {
    return this == OVERLOAD ? HEAVY_LOAD : NORMAL_LOAD;
  }

  /** Every service's fault at {@code progress} (0 to 1) through the scenario. */
  public Map<Downstream, Fault> faultsAt(double progress) {
    Map<Downstream, Fault> faults = new EnumMap<>(Downstream.class);
    faults.put(Downstream.RESTAURANTS, RESTAURANTS_OK);
    faults.put(Downstream.CONSUMERS, CONSUMERS_OK);
    faults.put(Downstream.KITCHEN, KITCHEN_OK);
    switch (this) {
      case HEALTHY -> { }
      case SLOW -> {
        faults.put(Downstream.RESTAURANTS, RESTAURANTS_OK.withSlow(0.2, Duration.ofSeconds(1)));
        faults.put(Downstream.CONSUMERS, CONSUMERS_OK.withErrors(0.1));
      }
      case DOWN -> faults.put(Downstream.RESTAURANTS, RESTAURANTS_OK.withErrors(1.0));
      case RECOVERING -> faults.put(Downstream.RESTAURANTS, RESTAURANTS_OK.withErrors(progress < 0.3 ? 1.0 : 0.0));
      case OVERLOAD -> faults.put(Downstream.RESTAURANTS,
          RESTAURANTS_OK.withLatency(Duration.ofMillis(150), Duration.ofMillis(30)));
    }
    return faults;
  }
}
