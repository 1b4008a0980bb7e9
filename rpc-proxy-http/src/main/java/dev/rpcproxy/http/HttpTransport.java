package dev.rpcproxy.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.OutlierEjection;
import dev.rpcproxy.TimeSource;
import dev.rpcproxy.http.internal.ClassPathCodec;
import dev.rpcproxy.http.internal.EndpointBalancer;
import dev.rpcproxy.http.internal.HttpSettings;
import dev.rpcproxy.http.internal.ContractParsers;
import dev.rpcproxy.http.internal.UnprocessableResponse;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * REST transport: JAX-RS-annotated interfaces ({@code jakarta.ws.rs}) over OkHttp, JSON with
 * Jackson 2 or 3 (whichever is on the class path, or any {@link BodyCodec}).
 *
 * <pre>{@code
 * interface RestaurantApi {
 *   @GET @Path("/restaurants/{id}")
 *   Restaurant restaurant(@PathParam("id") long id);
 *   @POST @Path("/orders")
 *   CompletableFuture<Order> createOrder(OrderRequest body); // unannotated parameter = JSON body
 * }
 *
 * RestaurantApi api = RpcProxy.builder(RestaurantApi.class)
 *     .transport(HttpTransport.builder().baseUrl("http://localhost:8080").build())
 *     .build();
 * }</pre>
 *
 * <p>Each method is parsed once when the proxy is built: {@code @GET @POST @PUT @DELETE @PATCH
 * @HEAD @OPTIONS}, {@code @Path} on the interface and the method, {@code @PathParam},
 * {@code @QueryParam} (a collection or array repeats the parameter, {@code null} omits it),
 * {@code @HeaderParam}, {@code @CookieParam}, {@code @MatrixParam}, {@code @FormParam} (a
 * url-encoded form, or with {@code @Consumes("multipart/form-data")} multipart parts, also JAX-RS
 * 3.1 {@code EntityPart}s), {@code @BeanParam}, {@code @DefaultValue}, {@code @Produces} (sent as
 * {@code Accept}; without it a JSON method sends {@code Accept: application/json}) and
 * {@code @Consumes} (the body's {@code Content-Type}). At most one parameter is unannotated: the
 * request body. A {@code String} or {@code byte[]} body is sent as it is ({@code text/plain} or
 * {@code application/octet-stream} unless {@code @Consumes} says otherwise); any other body is
 * written as JSON. Values come back the same way: {@code String} and {@code byte[]} raw, anything
 * else (records, POJOs, generic collections) read as JSON, {@code void}/{@code Void} not read. An
 * empty or 204 body reads as {@code null}.
 *
 * <p>Spring HTTP interfaces ({@code @HttpExchange}, {@code @GetExchange} ... with
 * {@code @PathVariable}, {@code @RequestParam}, {@code @RequestHeader}, {@code @CookieValue},
 * {@code @RequestBody}, {@code @RequestPart}) bind the same way when spring-web is on the class
 * path, sending what Spring's own {@code RestClient} sends; no Spring context is used. See
 * {@code docs/rest.md}.
 *
 * <p>Outcomes: 2xx is success; 408, 429 and 5xx are the service's failures
 * ({@code RemoteCallException}, retryable for 408/429/500/502/503/504, with {@code Retry-After});
 * other statuses are the caller's errors; I/O failures and undecodable bodies are
 * {@code RpcTransportException}s; the call's deadline becomes OkHttp's per-call timeout and its
 * expiry an {@code RpcTimeoutException}. GET, HEAD, PUT, DELETE and OPTIONS are idempotent.
 *
 * <p>Several instances of one service: {@link Builder#endpoints} instead of {@code baseUrl}. Each
 * attempt goes to an endpoint chosen by power of two choices on outstanding calls (or round
 * robin), a retry to another endpoint than the attempt before, and an endpoint that fails
 * repeatedly is ejected for a while ({@link OutlierEjection}). The client's breaker still sees
 * every attempt, above this.
 *
 * <pre>{@code
 * HttpTransport transport = HttpTransport.builder()
 *     .endpoints(Endpoints.of("http://10.0.0.5:8080", "http://10.0.0.6:8080", "http://10.0.0.7:8080"))
 *     .meterRegistry(registry)   // rpc.client.endpoints, ...ejected, ...ejections, ...resolution.failures
 *     .build();
 * }</pre>
 *
 * <p>Only the rpc-proxy bulkhead bounds concurrency: OkHttp's {@link Dispatcher} limits (64
 * calls, 5 per host by default) are raised so that they never silently cap it, and the
 * transport's own client keeps every idle connection (OkHttp's default pool keeps 5) so that each
 * concurrent call the bulkhead allows keeps its connection from one call to the next. Request
 * bodies and header values never appear in logs or exception messages, nor do response bodies
 * unless {@link Builder#includeResponseBodyInErrors} asks for them.
 */
public final class HttpTransport implements Transport {
  /** Default of {@link Builder#maxResponseBytes}: 10 MiB. */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 10L * 1024 * 1024;

  /**
   * Dispatcher limits below this are raised (on a derived client) so that the bulkhead, not
   * OkHttp, bounds concurrent calls.
   */
  static final int MIN_DISPATCHER_LIMIT = 1024;

  /**
   * Idle connections the transport's own client keeps, as many as its dispatcher allows calls.
   * OkHttp's default pool keeps 5: with more calls at once, most connections were closed as their
   * call ended and opened again by the next one. Idle connections still close after
   * {@link #KEEP_ALIVE}.
   */
  static final int MAX_IDLE_CONNECTIONS = MIN_DISPATCHER_LIMIT;

  /**
   * How long the transport's own client keeps an unused connection: shorter than the idle
   * timeouts of common servers (Tomcat closes after 20 s, Jetty after 30 s), so that a call is
   * rarely sent on a connection the server has just closed. The client does not let OkHttp retry
   * such a call by itself (a POST must not be sent twice), so it would fail as a network error.
   */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

  private final HttpSettings settings;
  private final boolean ownsClient;
  private final Builder balancing;
  private volatile EndpointBalancer balancer;

  private HttpTransport(HttpSettings settings, boolean ownsClient, Builder balancing) {
    this.settings = settings;
    this.ownsClient = ownsClient;
    this.balancing = balancing;
  }

  /** A builder; {@link Builder#baseUrl} or {@link Builder#endpoints} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses the method's JAX-RS annotations (or Spring's {@code @HttpExchange} ones) into an
   * immutable plan.
   *
   * @throws IllegalArgumentException naming the method, if it has no HTTP method annotation, two
   *     bodies, a body on GET/HEAD/OPTIONS, a path template and {@code @PathParam}s that do not
   *     match, or a parameter or return type this transport cannot serve
   */
  @Override
  public BoundMethod bind(MethodContext method) {
    EndpointBalancer endpoints = balancer(method);
    if (endpoints == null) {
      return ContractParsers.parse(method, settings);
    }
    BoundMethod bound = ContractParsers.parse(method, settings.withBalancer(endpoints));
    endpoints.bindMetrics(method.client());
    return bound;
  }

  /**
   * The balancer over {@link Builder#endpoints}, made when the first method is bound: its
   * ejection windows and meters use the builder's time source and registry if set, else those of
   * the first client bound.
   */
  private synchronized EndpointBalancer balancer(MethodContext first) {
    if (balancing == null) {
      return null;
    }
    if (balancer == null) {
      balancer = new EndpointBalancer(balancing.endpoints, balancing.loadBalancing, balancing.outlierEjection,
          balancing.timeSource != null ? balancing.timeSource : first.timeSource(),
          balancing.meterRegistry != null ? balancing.meterRegistry : first.registry());
    }
    return balancer;
  }

  /**
   * Shuts down the dispatcher threads and connection pool of the OkHttp client this transport
   * created; a client passed to {@link Builder#client} is left as it is. Stops following the
   * {@link Builder#endpoints} source, which stays open (it may be shared): close it yourself.
   */
  @Override
  public void close() {
    EndpointBalancer endpoints = balancer;
    if (endpoints != null) {
      endpoints.close();
    }
    if (ownsClient) {
      OkHttpClient client = settings.client();
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
  }

  /** The client calls are made with (the given one, or one derived from it). For tests. */
  OkHttpClient okHttpClient() {
    return settings.client();
  }

  /** The endpoint balancer, or {@code null} with a single base URL or before a method was bound. For tests. */
  EndpointBalancer balancer() {
    return balancer;
  }

  @Override
  public String toString() {
    if (balancing != null) {
      EndpointBalancer endpoints = balancer;
      return "HttpTransport[" + (endpoints != null ? endpoints : balancing.endpoints) + "]";
    }
    return "HttpTransport[" + settings.baseUrl().redact() + "]";
  }

  /** How {@link Builder#endpoints} spreads attempts over the usable endpoints. */
  public enum LoadBalancing {
    /**
     * The default: of two endpoints chosen at random, the one with fewer outstanding calls. Sends
     * less to slow instances, with no shared counter to contend on.
     */
    POWER_OF_TWO_CHOICES,
    /** Each endpoint in turn: even spread, blind to load. */
    ROUND_ROBIN
  }

  /**
   * Configures an {@link HttpTransport}.
   *
   * <pre>{@code
   * HttpTransport transport = HttpTransport.builder()
   *     .baseUrl("https://api.example.com/v1")
   *     .header("User-Agent", "orders/1.4")
   *     .maxResponseBytes(1 << 20)
   *     .build();
   * }</pre>
   */
  public static final class Builder {
    private HttpUrl baseUrl;
    private OkHttpClient client;
    private BodyCodec.Factory codecs;
    private final Headers.Builder headers = new Headers.Builder();
    private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private EndpointSource endpoints;
    private LoadBalancing loadBalancing = LoadBalancing.POWER_OF_TWO_CHOICES;
    private OutlierEjection outlierEjection = OutlierEjection.ofDefaults();
    private TimeSource timeSource;
    private MeterRegistry meterRegistry;
    private String deadlineHeader;
    private int errorBodyChars;

    private Builder() {}

    /**
     * The URL every method's {@code @Path} is appended to, e.g. {@code http://localhost:8080} or
     * {@code https://api.example.com/v1}. Required.
     *
     * @throws IllegalArgumentException if it is not an absolute http or https URL, or has a query
     *     or fragment
     */
    public Builder baseUrl(String baseUrl) {
      Objects.requireNonNull(baseUrl, "baseUrl");
      HttpUrl parsed = HttpUrl.parse(baseUrl.trim());
      if (parsed == null) {
        int colon = baseUrl.indexOf(':');
        String scheme = colon > 0 ? baseUrl.substring(0, colon) : "none";
        throw new IllegalArgumentException(
            "baseUrl must be an absolute http:// or https:// URL (scheme was '" + scheme + "')");
      }
      if (parsed.query() != null || parsed.fragment() != null) {
        throw new IllegalArgumentException("baseUrl must not have a query or fragment");
      }
      this.baseUrl = parsed;
      return this;
    }

    /**
     * The instances to spread calls over, instead of {@link #baseUrl}: each endpoint
     * ({@code http://10.0.0.5:8080}, or with a base path {@code http://10.0.0.5:8080/v1}) is used
     * as a base URL. The source is followed as it changes (a change applies atomically; removed
     * endpoints get no new calls) and is never closed by the transport. {@link #build()} asks it
     * for its first list. Endpoints that are not http or https URLs are ignored with a warning;
     * while the source has none, calls fail with a non-retryable {@code RpcTransportException}.
     */
    public Builder endpoints(EndpointSource endpoints) {
      this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
      return this;
    }

    /** How attempts are spread over {@link #endpoints}. Default {@link LoadBalancing#POWER_OF_TWO_CHOICES}. */
    public Builder loadBalancing(LoadBalancing loadBalancing) {
      this.loadBalancing = Objects.requireNonNull(loadBalancing, "loadBalancing");
      return this;
    }

    /**
     * When an endpoint stops getting calls. Default {@link OutlierEjection#ofDefaults()}: 5
     * consecutive failures eject it for 30 s × times ejected, at most 300 s, at most 50% of the
     * endpoints at once. {@link OutlierEjection#disabled()} turns ejection off.
     */
    public Builder outlierEjection(OutlierEjection outlierEjection) {
      this.outlierEjection = Objects.requireNonNull(outlierEjection, "outlierEjection");
      return this;
    }

    /**
     * The time ejection windows are measured on. Default: the time source of the first client
     * bound to this transport ({@code RpcProxy.Builder.timeSource}).
     */
    public Builder timeSource(TimeSource timeSource) {
      this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
      return this;
    }

    /**
     * Where the endpoint meters go, tagged with the name of each client bound to this transport:
     * gauges {@code rpc.client.endpoints} and {@code rpc.client.endpoints.ejected}, counters
     * {@code rpc.client.endpoints.ejections} and {@code rpc.client.endpoints.resolution.failures}.
     * No meter is tagged with an endpoint. Default: the registry of the first client bound to
     * this transport ({@code RpcProxy.Builder.meterRegistry}), if any.
     */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = Objects.requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    /**
     * Your own OkHttp client (connection pool, TLS, interceptors, timeouts). It is never shut down
     * by {@link HttpTransport#close()}. If its dispatcher allows fewer than 1024 calls (in all or
     * per host), calls go through a client derived with {@code newBuilder()} whose dispatcher
     * shares your executor but has raised limits, so that the rpc-proxy bulkhead is the bound.
     * Its connection pool is used as it is: OkHttp's default {@code ConnectionPool()} keeps only 5
     * idle connections, so with more calls at once than that, most calls open a new connection;
     * give such a client a pool that keeps at least {@code maxConcurrentCalls}, e.g.
     * {@code new ConnectionPool(64, 15, TimeUnit.SECONDS)}.
     * Default: a client of this transport's own, with no read or write timeout (the call's
     * deadline bounds every call), raised dispatcher limits and a pool that keeps up to 1024 idle
     * connections for 15 seconds (shorter than common servers' idle timeouts).
     */
    public Builder client(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * The Jackson 2 mapper for JSON bodies, used as it is: the same as
     * {@code codec(Jackson2CodecFactory.create(objectMapper))}. Default: see {@link #codec}.
     */
    public Builder objectMapper(ObjectMapper objectMapper) {
      this.codecs = Jackson2CodecFactory.create(Objects.requireNonNull(objectMapper, "objectMapper"));
      return this;
    }

    /**
     * The Jackson 3 mapper for JSON bodies (Spring Boot 4's {@code JsonMapper}), used as it is:
     * the same as {@code codec(Jackson3CodecFactory.create(jsonMapper))}. Default: see {@link #codec}.
     */
    public Builder jsonMapper(tools.jackson.databind.ObjectMapper jsonMapper) {
      this.codecs = Jackson3CodecFactory.create(Objects.requireNonNull(jsonMapper, "jsonMapper"));
      return this;
    }

    /**
     * Reads and writes JSON bodies: every body and value that is not a {@code String},
     * {@code byte[]} or {@code void}. Default: by what is on the class path, Jackson 2 (a plain
     * {@code ObjectMapper}) else Jackson 3 (a plain {@code JsonMapper}), each ignoring unknown
     * properties, with no default typing; with neither, methods with JSON bodies fail to bind.
     */
    public Builder codec(BodyCodec.Factory codecs) {
      this.codecs = Objects.requireNonNull(codecs, "codec");
      return this;
    }

    /**
     * Adds a header to every request. May be repeated, also for the same name. Default: none.
     *
     * @throws IllegalArgumentException if the name or value holds characters not allowed in a
     *     header (the message does not repeat the value)
     */
    public Builder header(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      try {
        headers.add(name, value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("header '" + safeName(name) + "' has an invalid name or value");
      }
      return this;
    }

    /**
     * Sends the time each attempt has left, in whole milliseconds (rounded up), in this header,
     * e.g. {@code X-Request-Timeout}; a server built with rpc-proxy reads it with
     * {@code Deadlines.fromHeader(...)} so its own calls end in time. Default: not sent.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid header name
     */
    public Builder deadlineHeader(String name) {
      Objects.requireNonNull(name, "deadlineHeader");
      if (name.isEmpty() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ':')) {
        throw new IllegalArgumentException("deadlineHeader must be a valid header name, was '" + safeName(name) + "'");
      }
      this.deadlineHeader = name;
      return this;
    }

    /**
     * The largest response body read; larger bodies fail the call with a non-retryable
     * {@code RpcTransportException} without being read whole. Default 10 MiB.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxResponseBytes(long maxResponseBytes) {
      if (maxResponseBytes <= 0) {
        throw new IllegalArgumentException("maxResponseBytes must be positive, was " + maxResponseBytes);
      }
      this.maxResponseBytes = maxResponseBytes;
      return this;
    }

    /**
     * Puts the start of an error response's body, up to {@code maxChars} characters (at most
     * {@value dev.rpcproxy.RemoteCallException#MAX_DETAIL}), into its {@code RemoteCallException}:
     * its {@code detail()} and so its message, which end up in logs and in the {@code error} tags of
     * spans. Turn it on only for services whose error bodies hold nothing secret (an error body may
     * echo the request). Control characters are blanked. Default 0: no body text in exceptions.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder includeResponseBodyInErrors(int maxChars) {
      if (maxChars < 0) {
        throw new IllegalArgumentException("includeResponseBodyInErrors must not be negative, was " + maxChars);
      }
      this.errorBodyChars = Math.min(maxChars, dev.rpcproxy.RemoteCallException.MAX_DETAIL);
      return this;
    }

    /**
     * The transport.
     *
     * @throws IllegalStateException if neither or both of {@link #baseUrl} and {@link #endpoints}
     *     were set
     */
    public HttpTransport build() {
      if (baseUrl == null && endpoints == null) {
        throw new IllegalStateException("baseUrl is required (or endpoints, for several instances)");
      }
      if (baseUrl != null && endpoints != null) {
        throw new IllegalStateException("set baseUrl or endpoints, not both");
      }
      boolean ownsClient = client == null;
      OkHttpClient effective = ownsClient ? ownClient() : uncapped(client);
      BodyCodec.Factory bodyCodecs = codecs != null ? codecs : ClassPathCodec.find();
      return new HttpTransport(
          new HttpSettings(effective, baseUrl, bodyCodecs, headers.build(), maxResponseBytes, null, deadlineHeader,
              errorBodyChars),
          ownsClient, endpoints == null ? null : this);
    }

    private static OkHttpClient ownClient() {
      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequests(Integer.MAX_VALUE);
      dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
      return new OkHttpClient.Builder()
          .dispatcher(dispatcher)
          .connectionPool(new ConnectionPool(MAX_IDLE_CONNECTIONS, KEEP_ALIVE.toMillis(), TimeUnit.MILLISECONDS))
          .readTimeout(Duration.ZERO)
          .writeTimeout(Duration.ZERO)
          // Repeating requests is the RetryPolicy's job, for idempotent methods only: OkHttp's own
          // silent retry could send a POST twice.
          .retryOnConnectionFailure(false)
          // OkHttp's own RuntimeExceptions (an overflowing Retry-After) become I/O failures of the call.
          .addInterceptor(UnprocessableResponse.INTERCEPTOR)
          .build();
    }

    private static OkHttpClient uncapped(OkHttpClient given) {
      Dispatcher theirs = given.dispatcher();
      if (theirs.getMaxRequests() >= MIN_DISPATCHER_LIMIT
          && theirs.getMaxRequestsPerHost() >= MIN_DISPATCHER_LIMIT) {
        return given;
      }
      // Shares the user's executor, which the user keeps owning; only the limits differ.
      Dispatcher dispatcher = new Dispatcher(theirs.executorService());
      dispatcher.setMaxRequests(Integer.MAX_VALUE);
      dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
      return given.newBuilder().dispatcher(dispatcher).build();
    }

    private static String safeName(String name) {
      return name.chars().allMatch(c -> c > 0x20 && c < 0x7f) ? name : "(invalid name)";
    }
  }
}
