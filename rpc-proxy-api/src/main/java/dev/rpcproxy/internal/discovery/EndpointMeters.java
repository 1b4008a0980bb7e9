package dev.rpcproxy.internal.discovery;

import dev.rpcproxy.EndpointSource;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Objects;

/** The meters of an {@link EndpointSource}; tags are the client name only, never endpoints. */
public final class EndpointMeters {
  /** Gauge: endpoints known now. */
  public static final String ENDPOINTS = "rpc.client.endpoints";
  /** Counter: failed resolutions. */
  public static final String RESOLUTION_FAILURES = "rpc.client.endpoints.resolution.failures";

  private EndpointMeters() {}

  /** Registers {@link #ENDPOINTS} and {@link #RESOLUTION_FAILURES} for {@code source}. */
  public static void bindSource(EndpointSource source, MeterRegistry registry, String client) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(client, "client");
    Gauge.builder(ENDPOINTS, source, s -> s.endpoints().size())
        .description("Endpoints the client's endpoint source knows now")
        .tag("client", client)
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder(RESOLUTION_FAILURES, source, EndpointSource::resolutionFailures)
        .description("Endpoint resolutions that failed or found nothing (the last good list was kept)")
        .tag("client", client)
        .register(registry);
  }
}
