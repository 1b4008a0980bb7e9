package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.EndpointSource;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds a channel the addresses of an {@link EndpointSource}: each endpoint becomes one
 * {@link EquivalentAddressGroup}, so the channel's load-balancing policy (round robin) sees each
 * instance separately. The source refreshes itself; {@link #refresh()} has nothing to do.
 */
final class EndpointNameResolver extends NameResolver {
  private static final Logger log = LoggerFactory.getLogger("dev.rpcproxy.grpc");

  private final EndpointSource source;
  private final String authority;
  private final SynchronizationContext sync;
  // Touched only in the synchronization context.
  private Listener2 listener;
  private EndpointSource.Subscription subscription;
  private boolean shutdown;

  EndpointNameResolver(EndpointSource source, String authority, SynchronizationContext sync) {
    this.source = source;
    this.authority = authority;
    this.sync = sync;
  }

  @Override
  public String getServiceAuthority() {
    return authority;
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    this.subscription = source.subscribe(this::publish);
    if (source.endpoints().isEmpty()) {
      listener.onError(Status.UNAVAILABLE.withDescription("the endpoint source has found no endpoint yet"));
    }
  }

  @Override
  public void refresh() {
    // The source refreshes on its own schedule and publishes changes.
  }

  @Override
  public void shutdown() {
    shutdown = true;
    if (subscription != null) {
      subscription.close();
    }
  }

  /** Runs on the source's thread; hands the result to the channel's synchronization context. */
  private void publish(List<URI> endpoints) {
    List<EquivalentAddressGroup> groups = new ArrayList<>(endpoints.size());
    for (URI endpoint : endpoints) {
      InetSocketAddress address = new InetSocketAddress(endpoint.getHost(), portOf(endpoint));
      if (address.isUnresolved()) {
        log.warn("Ignoring endpoint {}: its host does not resolve", endpoint.getHost());
        continue;
      }
      groups.add(new EquivalentAddressGroup(address));
    }
    sync.execute(() -> {
      if (shutdown) {
        return;
      }
      if (groups.isEmpty()) {
        listener.onError(Status.UNAVAILABLE.withDescription("no endpoint of the source resolves"));
      } else {
        listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
      }
    });
  }

  /** Creates the resolver of one channel; registered on that channel only, never globally. */
  static final class Provider extends NameResolverProvider {
    static final String SCHEME = "rpcproxy";

    private final EndpointSource source;
    private final String authority;

    Provider(EndpointSource source, String authority) {
      this.source = source;
      this.authority = authority;
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
      if (!SCHEME.equals(targetUri.getScheme())) {
        return null;
      }
      return new EndpointNameResolver(source, authority, args.getSynchronizationContext());
    }

    @Override
    public String getDefaultScheme() {
      return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
      return true;
    }

    @Override
    protected int priority() {
      return 5;
    }
  }

  /**
   * The endpoint's port: every endpoint an {@link EndpointSource} hands out has been checked to
   * carry one, or to be http or https, whose default ports these are.
   */
  static int portOf(URI endpoint) {
    if (endpoint.getPort() >= 0) {
      return endpoint.getPort();
    }
    return "https".equalsIgnoreCase(endpoint.getScheme()) ? 443 : 80;
  }
}
