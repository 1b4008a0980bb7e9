package dev.rpcproxy;

import dev.rpcproxy.internal.discovery.EndpointMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.util.List;
import java.util.function.Consumer;

/**
 * The current instances of one service, as absolute URIs ({@code http://10.0.0.5:8080}), kept up
 * to date by whatever finds them. Build one with {@link Endpoints}, or implement this interface to
 * plug in another registry.
 *
 * <pre>{@code
 * EndpointSource restaurants = Endpoints.dns("restaurants.internal", 8080, "http");
 * HttpTransport transport = HttpTransport.builder().endpoints(restaurants).build();
 * // or, for gRPC:
 * ManagedChannel channel = GrpcChannels.balanced(restaurants).usePlaintext().build();
 * }</pre>
 *
 * <p>Implementations are thread-safe. A transport or channel subscribes to a source but never
 * closes it: the source may be shared, so close it yourself when nothing uses it any more.
 */
public interface EndpointSource extends AutoCloseable {

  /**
   * The endpoints now: an immutable list without duplicates, empty until a first resolution has
   * succeeded. Never shrinks to empty because a resolution failed: the last good list is kept.
   */
  List<URI> endpoints();

  /**
   * Calls {@code listener} with the current list at once (if it is not empty) and then after every
   * change, one call at a time and in order. The listener must be quick and must not block: it
   * runs on the thread that resolved the list.
   *
   * @return a handle whose {@code close()} stops the notifications
   */
  Subscription subscribe(Consumer<List<URI>> listener);

  /** How many resolutions failed (threw, or found no endpoint) since the source was created. */
  default long resolutionFailures() {
    return 0;
  }

  /**
   * Registers this source's meters, tagged {@code client}: the gauge {@code rpc.client.endpoints}
   * (endpoints known now) and the counter {@code rpc.client.endpoints.resolution.failures}. An
   * {@code HttpTransport} built with a meter registry does this itself for each client it serves.
   */
  default void bindTo(MeterRegistry registry, String client) {
    EndpointMeters.bindSource(this, registry, client);
  }

  /** Stops refreshing and notifying. Idempotent. */
  @Override
  void close();

  /** Stops the notifications of one {@link #subscribe} call. */
  @FunctionalInterface
  interface Subscription extends AutoCloseable {
    /** Idempotent; never throws. */
    @Override
    void close();
  }
}
