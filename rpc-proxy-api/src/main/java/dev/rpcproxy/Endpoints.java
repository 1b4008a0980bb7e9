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
 * EndpointSource srv = Endpoints.srv("_http._tcp.restaurants.internal", "http"); // SRV records
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
    requireNonNull(scheme, resolver, time);
    String name = host.trim();
    if (name.isEmpty() || name.contains("/") || name.contains("@") || (name.contains(":") && !name.startsWith("["))) {
      throw new IllegalArgumentException("dns host must be a bare host name like restaurants.internal, was '"
          + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("dns port must be in 1..65535, was " + port);
    }
    requireScheme("dns", scheme);
    long refreshNanos = positive(refreshEvery, "refreshEvery");
    String description = "dns " + name + ":" + port;
    return new ResolvingEndpointSource(description, () -> lookUp(resolver, name, port, scheme), refreshNanos, time);
  }

  /**
   * The SRV records of {@code service} (such as {@code _http._tcp.restaurants.internal}), each
   * target as {@code scheme://target:port}, re-resolved every {@link #dnsRefreshDefault()}
   * through the JDK's JNDI DNS provider. Only the records of the lowest priority are used (RFC
   * 2782: the others are backups); weights are left to the load balancer, which spreads by
   * outstanding calls. A target of {@code "."} (service decidedly absent) or no record counts as a
   * failed resolution: the last good list is kept. The JDK exposes no TTLs, so the period is fixed.
   *
   * @throws IllegalArgumentException if the service name is blank or holds a scheme, path or
   *     port, or the scheme is not a valid URI scheme
   */
  public static EndpointSource srv(String service, String scheme) {
    return srv(service, scheme, SrvResolver.system(), dnsRefreshDefault(), TimeSource.system());
  }

  /**
   * SRV with your own resolver, period and time source (tests inject a fake resolver and time).
   *
   * @throws IllegalArgumentException as {@link #srv(String, String)}, or if {@code refreshEvery}
   *     is not positive
   */
  public static EndpointSource srv(String service, String scheme, SrvResolver resolver,
      Duration refreshEvery, TimeSource time) {
    Objects.requireNonNull(service, "service");
    requireNonNull(scheme, resolver, time);
    String name = service.trim();
    if (name.isEmpty() || name.contains("/") || name.contains("@") || name.contains(":")) {
      throw new IllegalArgumentException("srv service must be a DNS name like _http._tcp.restaurants.internal, was '"
          + service + "'");
    }
    requireScheme("srv", scheme);
    long refreshNanos = positive(refreshEvery, "refreshEvery");
    return new ResolvingEndpointSource("srv " + name, () -> lookUpSrv(resolver, name, scheme), refreshNanos, time);
  }

  /** One SRV record: where a service instance listens, and its priority and weight. */
  public record SrvRecord(int priority, int weight, int port, String target) {
    /**
     * Parses a record as DNS presents it: {@code "10 60 8080 host.example.com."}.
     *
     * @throws IllegalArgumentException if it is not four fields with numbers first
     */
    public static SrvRecord parse(String text) {
      String[] fields = text.trim().split("\\s+");
      if (fields.length != 4) {
        throw new IllegalArgumentException("not an SRV record (priority weight port target): '" + text + "'");
      }
      try {
        return new SrvRecord(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]),
            Integer.parseInt(fields[2]), fields[3]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not an SRV record (priority weight port target): '" + text + "'", e);
      }
    }
  }

  /** Looks up the SRV records of a service name. */
  @FunctionalInterface
  public interface SrvResolver {
    /**
     * The service's SRV records; empty if it has none.
     *
     * @throws Exception if the lookup fails (counted; the last good list is kept)
     */
    List<SrvRecord> resolve(String service) throws Exception;

    /** The JDK's JNDI DNS provider ({@code com.sun.jndi.dns}), asking the system's name servers. */
    static SrvResolver system() {
      return service -> {
        java.util.Hashtable<String, String> env = new java.util.Hashtable<>();
        env.put(javax.naming.Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        env.put(javax.naming.Context.PROVIDER_URL, "dns:");
        javax.naming.directory.DirContext context = new javax.naming.directory.InitialDirContext(env);
        try {
          javax.naming.directory.Attribute records =
              context.getAttributes(service, new String[] {"SRV"}).get("SRV");
          List<SrvRecord> result = new ArrayList<>();
          if (records != null) {
            for (int i = 0; i < records.size(); i++) {
              result.add(SrvRecord.parse(String.valueOf(records.get(i))));
            }
          }
          return result;
        } finally {
          context.close();
        }
      };
    }
  }

  private static List<URI> lookUpSrv(SrvResolver resolver, String service, String scheme) throws Exception {
    List<SrvRecord> records = resolver.resolve(service);
    if (records == null || records.isEmpty()) {
      return List.of();
    }
    int best = records.stream().mapToInt(SrvRecord::priority).min().getAsInt();
    Set<URI> uris = new LinkedHashSet<>();
    for (SrvRecord record : records) {
      String target = record.target().endsWith(".")
          ? record.target().substring(0, record.target().length() - 1) : record.target();
      if (record.priority() != best || target.isEmpty() || record.port() < 1 || record.port() > 65535) {
        continue; // a backup, or "." (no service here), or no valid port
      }
      uris.add(new URI(scheme, null, target, record.port(), null, null, null));
    }
    List<URI> sorted = new ArrayList<>(uris);
    sorted.sort(Comparator.comparing(URI::toString));
    return sorted;
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

  private static void requireNonNull(String scheme, Object resolver, TimeSource time) {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(resolver, "resolver");
    Objects.requireNonNull(time, "time");
  }

  private static void requireScheme(String source, String scheme) {
    if (!SCHEME.matcher(scheme).matches()) {
      throw new IllegalArgumentException(source + " scheme must be a URI scheme like http, https or grpc, was '"
          + scheme + "'");
    }
  }

  private static long positive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + duration);
    }
    return duration.toNanos();
  }
}
