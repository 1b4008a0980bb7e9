package dev.rpcproxy.http.internal;

import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.OutlierEjection;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.http.HttpTransport.LoadBalancing;
import dev.rpcproxy.spi.AttemptContext;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.HttpUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the endpoint of each HTTP attempt and keeps each endpoint's health. Shared by every method
 * of one {@code HttpTransport}.
 *
 * <p>Picking: among the usable endpoints (not ejected, and not the one the call's previous attempt
 * used when another is usable), power of two choices on outstanding calls, or round robin.
 * Health: {@link OutlierEjection#consecutiveFailures()} failures in a row eject an endpoint for
 * base × times ejected (capped), unless that would eject more than the allowed share or the last
 * usable endpoint; any success resets the count. Failures are what the client's classification
 * counts against the service.
 *
 * <p>Concurrency: the endpoint array is replaced as a whole (a volatile snapshot), so a list change
 * is atomic and a removed endpoint gets no new calls; ejection decisions and list changes hold this
 * object's lock; picking and counting are lock-free.
 */
public final class EndpointBalancer implements AutoCloseable {
  /** Gauge: endpoints ejected now. */
  public static final String EJECTED = "rpc.client.endpoints.ejected";
  /** Counter: ejections since start. */
  public static final String EJECTIONS = "rpc.client.endpoints.ejections";

  private static final Logger log = LoggerFactory.getLogger("dev.rpcproxy.http");
  private static final Endpoint[] NONE = new Endpoint[0];

  private final EndpointSource source;
  private final boolean roundRobin;
  private final OutlierEjection ejection;
  private final TimeSource time;
  private final MeterRegistry registry;
  private final long baseEjectionNanos;
  private final long maxEjectionNanos;
  private final AtomicInteger nextIndex = new AtomicInteger();
  private final AtomicLong ejections = new AtomicLong();
  private final Set<String> boundClients = ConcurrentHashMap.newKeySet();
  private volatile Endpoint[] endpoints = NONE;
  private final EndpointSource.Subscription subscription;

  public EndpointBalancer(EndpointSource source, LoadBalancing loadBalancing, OutlierEjection ejection,
      TimeSource time, MeterRegistry registry) {
    this.source = source;
    this.roundRobin = loadBalancing == LoadBalancing.ROUND_ROBIN;
    this.ejection = ejection;
    this.time = time;
    this.registry = registry;
    this.baseEjectionNanos = ejection.baseEjectionTime().toNanos();
    this.maxEjectionNanos = Math.max(baseEjectionNanos, ejection.maxEjectionTime().toNanos());
    this.subscription = source.subscribe(this::update);
  }

  /** One endpoint and its health. */
  public static final class Endpoint {
    final HttpUrl url;
    final URI uri;
    final String label;
    final AtomicInteger outstanding = new AtomicInteger();
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    // Written under the balancer's lock, read without it.
    volatile boolean ejected;
    volatile long ejectedUntil;
    int timesEjected;

    Endpoint(HttpUrl url) {
      this.url = url;
      this.uri = url.uri();
      this.label = url.host() + ":" + url.port();
    }

    /** The base URL each method's path is appended to. */
    public HttpUrl url() {
      return url;
    }

    /** The same URL as a {@link URI}; one instance per endpoint, so attempts can compare it by identity. */
    public URI uri() {
      return uri;
    }

    boolean usable(long now) {
      return !ejected || now - ejectedUntil >= 0;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  /**
   * The endpoint for one attempt, counted as outstanding until {@link #onSuccess}, {@link #onFailure}
   * or {@link #onAbandoned}; {@code null} if the source has none.
   *
   * @param attempt the attempt to place: endpoints earlier attempts of its call used are avoided
   *     while another is usable
   */
  public Endpoint pick(AttemptContext attempt) {
    Endpoint[] all = endpoints;
    int n = all.length;
    if (n == 0) {
      return null;
    }
    Endpoint chosen;
    if (n == 1) {
      chosen = all[0];
    } else {
      long now = time.nanoTime();
      chosen = roundRobin ? roundRobin(all, attempt, now) : twoChoices(all, attempt, now);
    }
    chosen.outstanding.incrementAndGet();
    return chosen;
  }

  /** The attempt got an answer that is not the service's failure (a 2xx, or the caller's 4xx). */
  public void onSuccess(Endpoint endpoint) {
    endpoint.outstanding.decrementAndGet();
    if (endpoint.consecutiveFailures.get() != 0) {
      endpoint.consecutiveFailures.set(0);
    }
  }

  /**
   * The attempt failed with {@code failure}: counted against the endpoint unless the client's
   * {@code classifier} calls it the caller's error (then it counts as an answer).
   */
  public void onFailure(Endpoint endpoint, Throwable failure, FailureClassifier classifier) {
    if (classifier.classify(failure) == FailureClassifier.Verdict.CALLER_ERROR) {
      onSuccess(endpoint);
      return;
    }
    endpoint.outstanding.decrementAndGet();
    if (endpoint.consecutiveFailures.incrementAndGet() >= ejection.consecutiveFailures()) {
      maybeEject(endpoint);
    }
  }

  /** The attempt ended without saying anything about the endpoint (never sent, or interrupted). */
  public void onAbandoned(Endpoint endpoint) {
    endpoint.outstanding.decrementAndGet();
  }

  /** Registers the balancer's and the source's meters for {@code client}, once per client name. */
  public void bindMetrics(String client) {
    if (registry == null || !boundClients.add(client)) {
      return;
    }
    source.bindTo(registry, client);
    Gauge.builder(EJECTED, this, EndpointBalancer::ejectedNow)
        .description("Endpoints ejected now for failing")
        .tag("client", client)
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder(EJECTIONS, ejections, AtomicLong::get)
        .description("Endpoint ejections for consecutive failures")
        .tag("client", client)
        .register(registry);
  }

  /** Stops following the source (which stays open: it may be shared). */
  @Override
  public void close() {
    subscription.close();
  }

  /** Endpoints now, in the source's order. For tests and {@code toString}. */
  public List<Endpoint> endpoints() {
    return List.of(endpoints);
  }

  /** How many endpoints are ejected now. */
  public int ejectedNow() {
    long now = time.nanoTime();
    int ejected = 0;
    for (Endpoint endpoint : endpoints) {
      if (!endpoint.usable(now)) {
        ejected++;
      }
    }
    return ejected;
  }

  @Override
  public String toString() {
    return endpoints.length + " endpoints (" + source + ")";
  }

  private Endpoint twoChoices(Endpoint[] all, AttemptContext attempt, long now) {
    int n = all.length;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    int i = random.nextInt(n);
    int j = random.nextInt(n - 1);
    if (j >= i) {
      j++;
    }
    Endpoint a = all[i];
    Endpoint b = all[j];
    if (a.usable(now) && b.usable(now) && !attempt.triedBefore(a.uri) && !attempt.triedBefore(b.uri)) {
      return a.outstanding.get() <= b.outstanding.get() ? a : b;
    }
    // Slow path (an ejected endpoint, or a retry): choose among the candidates only.
    Endpoint[] candidates = candidates(all, attempt, now);
    int m = candidates.length;
    if (m == 1) {
      return candidates[0];
    }
    i = random.nextInt(m);
    j = random.nextInt(m - 1);
    if (j >= i) {
      j++;
    }
    a = candidates[i];
    b = candidates[j];
    return a.outstanding.get() <= b.outstanding.get() ? a : b;
  }

  private Endpoint roundRobin(Endpoint[] all, AttemptContext attempt, long now) {
    int n = all.length;
    int start = Math.floorMod(nextIndex.getAndIncrement(), n);
    for (int k = 0; k < n; k++) {
      Endpoint e = all[(start + k) % n];
      if (e.usable(now) && !attempt.triedBefore(e.uri)) {
        return e;
      }
    }
    Endpoint[] candidates = candidates(all, attempt, now);
    return candidates[start % candidates.length];
  }

  /** Usable endpoints the call has not tried; else usable ones; else all. Never empty. */
  private static Endpoint[] candidates(Endpoint[] all, AttemptContext attempt, long now) {
    List<Endpoint> untried = new ArrayList<>(all.length);
    List<Endpoint> tried = new ArrayList<>(all.length);
    for (Endpoint e : all) {
      if (e.usable(now)) {
        (attempt.triedBefore(e.uri) ? tried : untried).add(e);
      }
    }
    if (!untried.isEmpty()) {
      return untried.toArray(NONE);
    }
    return tried.isEmpty() ? all : tried.toArray(NONE);
  }

  private synchronized void maybeEject(Endpoint endpoint) {
    long now = time.nanoTime();
    Endpoint[] all = endpoints;
    if (!endpoint.usable(now) || !contains(all, endpoint)
        || endpoint.consecutiveFailures.get() < ejection.consecutiveFailures()) {
      return;
    }
    int ejected = 0;
    for (Endpoint e : all) {
      if (!e.usable(now)) {
        ejected++;
      }
    }
    int n = all.length;
    int percent = ejection.maxEjectionPercent();
    // Like Envoy, one endpoint may always be ejected (if the share allows any); never the last one.
    int allowed = percent == 0 ? 0 : Math.min(n - 1, Math.max(1, n * percent / 100));
    if (ejected + 1 > allowed) {
      return;
    }
    if (endpoint.timesEjected > 0 && now - endpoint.ejectedUntil >= maxEjectionNanos) {
      endpoint.timesEjected = 0; // healthy for a whole max ejection time: start over
    }
    endpoint.timesEjected++;
    long nanos = Math.min(maxEjectionNanos, baseEjectionNanos * endpoint.timesEjected);
    endpoint.ejectedUntil = now + nanos;
    endpoint.ejected = true;
    endpoint.consecutiveFailures.set(0);
    ejections.incrementAndGet();
    log.warn("Endpoint {} ejected for {} s after {} consecutive failures (ejection {})", endpoint.label,
        TimeUnit.NANOSECONDS.toSeconds(nanos), ejection.consecutiveFailures(), endpoint.timesEjected);
  }

  private static boolean contains(Endpoint[] all, Endpoint endpoint) {
    for (Endpoint e : all) {
      if (e == endpoint) {
        return true;
      }
    }
    return false;
  }

  private synchronized void update(List<URI> uris) {
    Map<HttpUrl, Endpoint> known = new HashMap<>();
    for (Endpoint e : endpoints) {
      known.put(e.url, e);
    }
    List<Endpoint> next = new ArrayList<>(uris.size());
    for (URI uri : uris) {
      HttpUrl url = HttpUrl.get(uri);
      if (url == null || url.query() != null) {
        log.warn("Ignoring endpoint {}: not an http or https URL", uri.getScheme() + "://" + uri.getHost());
        continue;
      }
      Endpoint existing = known.remove(url);
      next.add(existing != null ? existing : new Endpoint(url));
    }
    endpoints = next.toArray(NONE);
    log.debug("Balancing over {} endpoints", endpoints.length);
  }
}
