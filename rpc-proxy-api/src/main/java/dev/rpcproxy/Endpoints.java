package dev.rpcproxy;

import dev.rpcproxy.internal.discovery.EndpointUris;
import dev.rpcproxy.internal.discovery.ResolvingEndpointSource;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.security.Security;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Builds the {@link EndpointSource} of a service with several instances: a fixed list, DNS, or
 * any registry client you can ask for a list.
 *
 * <pre>{@code
 * EndpointSource fixed = Endpoints.of("http://10.0.0.5:8080", "http://10.0.0.6:8080");
 * EndpointSource dns = Endpoints.dns("restaurants.internal", 8080, "http");      // A/AAAA, every 30 s
 * EndpointSource consul = Endpoints.dynamic(() -> consulClient.healthyUris("restaurants"),
 *     Duration.ofSeconds(10));
 * HttpTransport transport = HttpTransport.builder().endpoints(dns).build();
 * }</pre>
 *
 * <p>An endpoint is an absolute URI with a host and a port (http and https have default ports)
 * and no user info, query or fragment; for REST it may carry a base path
 * ({@code http://10.0.0.5:8080/v1}). DNS and dynamic sources resolve once on first use, on the
 * calling thread, and then on a schedule; a resolution that throws or finds nothing is counted
 * ({@link EndpointSource#resolutionFailures()}) and the last good list is kept.
 */
public final class Endpoints {
  /** Default refresh period of DNS sources when the JDK's DNS cache TTL is not set: 30 s. */
  public static final Duration DEFAULT_DNS_REFRESH = Duration.ofSeconds(30);

  private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*");

  private Endpoints() {}

  /**
   * A fixed list. Duplicates are dropped.
   *
   * @throws IllegalArgumentException if the list is empty or an entry is not a valid endpoint
   */
  public static EndpointSource of(String... endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    List<URI> uris = new ArrayList<>(endpoints.length);
    for (String endpoint : endpoints) {
      uris.add(EndpointUris.parse(endpoint));
    }
    return of(uris);
  }

  /**
   * A fixed list. Duplicates are dropped.
   *
   * @throws IllegalArgumentException if the list is empty or an entry is not a valid endpoint
   */
  public static EndpointSource of(List<URI> endpoints) {
    Objects.requireNonNull(endpoints, "endpoints");
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("Endpoints.of needs at least one endpoint");
    }
    List<URI> checked = EndpointUris.checkAll(endpoints);
    return new ResolvingEndpointSource("fixed list", () -> checked, 0, TimeSource.system());
  }

  /**
   * The A and AAAA records of {@code host}, as {@code scheme://address:port}, re-resolved every
   * {@link #dnsRefreshDefault()} through {@link InetAddress#getAllByName}. The JDK does not expose
   * record TTLs, so the period is fixed; it defaults to the JDK's own DNS cache TTL
   * ({@code networkaddress.cache.ttl}) when that is set and positive, else 30 s: resolving more
   * often would only read the JDK's cache.
   *
   * @throws IllegalArgumentException if the host is blank or holds a scheme, path or port, the
   *     port is not in 1..65535, or the scheme is not a valid URI scheme
   */
  public static EndpointSource dns(String host, int port, String scheme) {
    return dns(host, port, scheme, HostResolver.system(), dnsRefreshDefault(), TimeSource.system());
  }

  /**
   * DNS with your own resolver, period and time source (tests inject a fake resolver and time).
   *
   * @throws IllegalArgumentException as {@link #dns(String, int, String)}, or if
   *     {@code refreshEvery} is not positive
   */
  public static EndpointSource dns(String host, int port, String scheme, HostResolver resolver,
      Duration refreshEvery, TimeSource time) {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(resolver, "resolver");
    Objects.requireNonNull(time, "time");
    String name = host.trim();
    if (name.isEmpty() || name.contains("/") || name.contains("@") || (name.contains(":") && !name.startsWith("["))) {
      throw new IllegalArgumentException("dns host must be a bare host name like restaurants.internal, was '"
          + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("dns port must be in 1..65535, was " + port);
    }
    if (!SCHEME.matcher(scheme).matches()) {
      throw new IllegalArgumentException("dns scheme must be a URI scheme like http, https or grpc, was '"
          + scheme + "'");
    }
    long refreshNanos = positive(refreshEvery, "refreshEvery");
    String description = "dns " + name + ":" + port;
    return new ResolvingEndpointSource(description, () -> lookUp(resolver, name, port, scheme), refreshNanos, time);
  }

  /**
   * Whatever {@code supplier} returns, asked on first use and then every {@code refreshEvery}: the
   * way to plug in Consul, Eureka or Kubernetes clients. The supplier may block (it runs on a
   * daemon thread of rpc-proxy); a supplier that throws, returns an empty list or an invalid URI
   * counts as a failed resolution and the last good list is kept.
   *
   * @throws IllegalArgumentException if {@code refreshEvery} is not positive
   */
  public static EndpointSource dynamic(Supplier<List<URI>> supplier, Duration refreshEvery) {
    return dynamic(supplier, refreshEvery, TimeSource.system());
  }

  /**
   * {@link #dynamic(Supplier, Duration)} on an injected time source: refreshes then run on the
   * thread that runs the time source's tasks.
   *
   * @throws IllegalArgumentException if {@code refreshEvery} is not positive
   */
  public static EndpointSource dynamic(Supplier<List<URI>> supplier, Duration refreshEvery, TimeSource time) {
    Objects.requireNonNull(supplier, "supplier");
    Objects.requireNonNull(time, "time");
    long refreshNanos = positive(refreshEvery, "refreshEvery");
    return new ResolvingEndpointSource("dynamic endpoints", supplier::get,
        refreshNanos, time);
  }

  /**
   * The default DNS refresh period: the JDK's positive DNS cache TTL
   * ({@code networkaddress.cache.ttl} security property, or the {@code sun.net.inetaddr.ttl}
   * system property) when set and positive, else {@link #DEFAULT_DNS_REFRESH}.
   */
  public static Duration dnsRefreshDefault() {
    for (String value : new String[] {Security.getProperty("networkaddress.cache.ttl"),
        System.getProperty("sun.net.inetaddr.ttl")}) {
      if (value != null) {
        try {
          long seconds = Long.parseLong(value.trim());
          if (seconds > 0) {
            return Duration.ofSeconds(seconds);
          }
        } catch (NumberFormatException ignored) {
          // fall through to the default
        }
      }
    }
    return DEFAULT_DNS_REFRESH;
  }

  /** Looks up the addresses of a host name (A and AAAA records). */
  @FunctionalInterface
  public interface HostResolver {
    /**
     * The host's addresses.
     *
     * @throws UnknownHostException if the host has none or cannot be resolved
     */
    InetAddress[] resolve(String host) throws UnknownHostException;

    /** {@link InetAddress#getAllByName}: the JDK's resolver and its cache. */
    static HostResolver system() {
      return InetAddress::getAllByName;
    }
  }

  private static List<URI> lookUp(HostResolver resolver, String host, int port, String scheme)
      throws UnknownHostException, URISyntaxException {
    InetAddress[] addresses = resolver.resolve(host);
    if (addresses == null) {
      return List.of();
    }
    Set<URI> uris = new LinkedHashSet<>();
    for (InetAddress address : addresses) {
      // Without a scope id (fe80::1%eth0 is not a URI host); the address literal is enough.
      String literal = InetAddress.getByAddress(address.getAddress()).getHostAddress();
      uris.add(new URI(scheme, null, literal, port, null, null, null));
    }
    // DNS servers rotate their answers: a stable order keeps an unchanged set from looking new.
    List<URI> sorted = new ArrayList<>(uris);
    sorted.sort(Comparator.comparing(URI::toString));
    return sorted;
  }

  private static long positive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + duration);
    }
    return duration.toNanos();
  }
}
