package dev.rpcproxy.grpc;

import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.OutlierEjection;
import dev.rpcproxy.grpc.internal.BalancedChannels;
import io.grpc.ManagedChannelBuilder;
import java.util.Objects;

/**
 * Channels to a service with several instances, using grpc-java's own machinery: a name resolver
 * fed by an {@link EndpointSource}, and the {@code round_robin} policy under
 * {@code outlier_detection}, so that an instance that keeps failing is ejected and traffic goes to
 * the others.
 *
 * <pre>{@code
 * ManagedChannel channel = GrpcChannels.balanced(
 *         Endpoints.of("http://10.0.0.7:9090", "http://10.0.0.8:9090", "http://10.0.0.9:9090"))
 *     .usePlaintext()
 *     .build();
 * TicketClient tickets = RpcProxy.builder(TicketClient.class)
 *     .transport(GrpcTransport.builder(channel, TicketServiceGrpc.getServiceDescriptor()).build())
 *     .build();
 * }</pre>
 *
 * <p>Each endpoint's host and port are used (the scheme and path are ignored; {@code http} and
 * {@code https} without a port mean 80 and 443). TLS or plaintext is chosen on the returned
 * builder as usual. The resolver is registered on this channel only, never globally. The
 * channel's authority is the first endpoint's {@code host:port} when the source has one, else
 * {@code rpcproxy}; set {@code overrideAuthority} for TLS to a name the certificates carry.
 * Calling {@code defaultServiceConfig} on the builder replaces the balancing configuration.
 * Needs a channel provider on the class path ({@code grpc-netty-shaded} or {@code grpc-okhttp}),
 * as {@code ManagedChannelBuilder.forTarget} does. Closing the channel stops following the source;
 * the source stays open.
 */
public final class GrpcChannels {
  private GrpcChannels() {}

  /**
   * A channel builder balancing over {@code source} with {@link OutlierEjection#ofDefaults()}:
   * every 10 s, an address with at least 10 calls of which 50% or more failed is ejected for 30 s
   * × times ejected (at most 300 s), at most 50% of the addresses at once.
   */
  public static ManagedChannelBuilder<?> balanced(EndpointSource source) {
    return balanced(source, OutlierEjection.ofDefaults());
  }

  /**
   * A channel builder balancing over {@code source}, ejecting outliers as {@code ejection} says
   * (gRPC uses its interval, failure percentage, minimum requests, ejection times and share).
   */
  public static ManagedChannelBuilder<?> balanced(EndpointSource source, OutlierEjection ejection) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(ejection, "ejection");
    return BalancedChannels.builder(source, ejection);
  }
}
