package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.OutlierEjection;
import io.grpc.ManagedChannelBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the channel builders of {@code GrpcChannels}: resolver, service config, authority. */
public final class BalancedChannels {
  /** The grpc-java name of the outlier detection policy (in grpc-util). */
  static final String OUTLIER_DETECTION = "outlier_detection_experimental";

  private BalancedChannels() {}

  /** A channel builder resolving through {@code source}, balanced by round robin under outlier detection. */
  @SuppressWarnings("deprecation") // nameResolverFactory is the per-channel registration; the SPI would be global
  public static ManagedChannelBuilder<?> builder(EndpointSource source, OutlierEjection ejection) {
    String authority = authority(source.endpoints());
    return ManagedChannelBuilder.forTarget(EndpointNameResolver.Provider.SCHEME + ":///" + authority)
        .nameResolverFactory(new EndpointNameResolver.Provider(source, authority))
        .defaultServiceConfig(serviceConfig(ejection));
  }

  /**
   * {@code {"loadBalancingConfig": [{"outlier_detection_experimental": {..., "childPolicy":
   * [{"round_robin": {}}]}}]}}, numbers as {@code Double} as grpc-java's JSON maps require.
   */
  public static Map<String, Object> serviceConfig(OutlierEjection ejection) {
    Map<String, Object> failurePercentage = new LinkedHashMap<>();
    failurePercentage.put("threshold", (double) ejection.failurePercentage());
    failurePercentage.put("enforcementPercentage", 100.0);
    // Judge only when at least two addresses had enough calls: a lone address is never ejected.
    failurePercentage.put("minimumHosts", 2.0);
    failurePercentage.put("requestVolume", (double) ejection.minimumRequests());
    Duration base = ejection.baseEjectionTime();
    Duration max = ejection.maxEjectionTime().compareTo(base) < 0 ? base : ejection.maxEjectionTime();
    Map<String, Object> outlierDetection = new LinkedHashMap<>();
    outlierDetection.put("interval", duration(ejection.interval()));
    outlierDetection.put("baseEjectionTime", duration(base));
    outlierDetection.put("maxEjectionTime", duration(max));
    outlierDetection.put("maxEjectionPercentage", (double) ejection.maxEjectionPercent());
    outlierDetection.put("failurePercentageEjection", failurePercentage);
    outlierDetection.put("childPolicy", List.of(Map.of("round_robin", Map.of())));
    return Map.of("loadBalancingConfig", List.of(Map.of(OUTLIER_DETECTION, outlierDetection)));
  }

  /** The protobuf JSON form of a duration: {@code "1.500000000s"}. */
  static String duration(Duration duration) {
    return duration.getSeconds() + "." + String.format("%09d", duration.getNano()) + "s";
  }

  /** {@code host:port} of the first endpoint known now, else {@code "rpcproxy"}. */
  private static String authority(List<URI> endpoints) {
    if (endpoints.isEmpty()) {
      return EndpointNameResolver.Provider.SCHEME;
    }
    URI first = endpoints.get(0);
    String host = first.getHost();
    return host + ":" + EndpointNameResolver.portOf(first);
  }
}
