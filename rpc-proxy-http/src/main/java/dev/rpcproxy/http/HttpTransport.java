package dev.rpcproxy.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rpcproxy.http.internal.HttpSettings;
import dev.rpcproxy.http.internal.JaxRsParser;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.Transport;
import java.time.Duration;
import java.util.Objects;
import okhttp3.Dispatcher;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * REST transport: JAX-RS-annotated interfaces ({@code jakarta.ws.rs}) over OkHttp, JSON with
 * Jackson.
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
 * {@code @HeaderParam}, {@code @DefaultValue}, {@code @Produces} (sent as {@code Accept}) and
 * {@code @Consumes} (the body's {@code Content-Type}). At most one parameter is unannotated: the
 * request body. A {@code String} or {@code byte[]} body is sent as it is ({@code text/plain} or
 * {@code application/octet-stream} unless {@code @Consumes} says otherwise); any other body is
 * written as JSON. Values come back the same way: {@code String} and {@code byte[]} raw, anything
 * else (records, POJOs, generic collections) read as JSON, {@code void}/{@code Void} not read. An
 * empty or 204 body reads as {@code null}.
 *
 * <p>Outcomes: 2xx is success; 408, 429 and 5xx are the service's failures
 * ({@code RemoteCallException}, retryable for 408/429/500/502/503/504, with {@code Retry-After});
 * other statuses are the caller's errors; I/O failures and undecodable bodies are
 * {@code RpcTransportException}s; the call's deadline becomes OkHttp's per-call timeout and its
 * expiry an {@code RpcTimeoutException}. GET, HEAD, PUT, DELETE and OPTIONS are idempotent.
 *
 * <p>Only the rpc-proxy bulkhead bounds concurrency: OkHttp's {@link Dispatcher} limits (64
 * calls, 5 per host by default) are raised so that they never silently cap it. Request bodies and
 * header values never appear in logs or exception messages.
 */
public final class HttpTransport implements Transport {
  /** Default of {@link Builder#maxResponseBytes}: 10 MiB. */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 10L * 1024 * 1024;

  /**
   * Dispatcher limits below this are raised (on a derived client) so that the bulkhead, not
   * OkHttp, bounds concurrent calls.
   */
  static final int MIN_DISPATCHER_LIMIT = 1024;

  private final HttpSettings settings;
  private final boolean ownsClient;

  private HttpTransport(HttpSettings settings, boolean ownsClient) {
    this.settings = settings;
    this.ownsClient = ownsClient;
  }

  /** A builder; {@link Builder#baseUrl} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Parses the method's JAX-RS annotations into an immutable plan.
   *
   * @throws IllegalArgumentException naming the method, if it has no HTTP method annotation, two
   *     bodies, a body on GET/HEAD/OPTIONS, a path template and {@code @PathParam}s that do not
   *     match, or a parameter or return type this transport cannot serve
   */
  @Override
  public BoundMethod bind(MethodContext method) {
    return JaxRsParser.parse(method, settings);
  }

  /**
   * Shuts down the dispatcher threads and connection pool of the OkHttp client this transport
   * created; a client passed to {@link Builder#client} is left as it is.
   */
  @Override
  public void close() {
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

  @Override
  public String toString() {
    return "HttpTransport[" + settings.baseUrl().redact() + "]";
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
    private ObjectMapper objectMapper;
    private final Headers.Builder headers = new Headers.Builder();
    private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;

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
     * Your own OkHttp client (connection pool, TLS, interceptors, timeouts). It is never shut down
     * by {@link HttpTransport#close()}. If its dispatcher allows fewer than 1024 calls (in all or
     * per host), calls go through a client derived with {@code newBuilder()} whose dispatcher
     * shares your executor but has raised limits, so that the rpc-proxy bulkhead is the bound.
     * Default: a client of this transport's own, with no read or write timeout (the call's
     * deadline bounds every call) and raised dispatcher limits.
     */
    public Builder client(OkHttpClient client) {
      this.client = Objects.requireNonNull(client, "client");
      return this;
    }

    /**
     * The mapper for JSON bodies, used as it is. Default: a plain {@code new ObjectMapper()} that
     * ignores unknown properties (no default typing).
     */
    public Builder objectMapper(ObjectMapper objectMapper) {
      this.objectMapper = Objects.requireNonNull(objectMapper, "objectMapper");
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
     * The transport.
     *
     * @throws IllegalStateException if no {@link #baseUrl} was set
     */
    public HttpTransport build() {
      if (baseUrl == null) {
        throw new IllegalStateException("baseUrl is required");
      }
      boolean ownsClient = client == null;
      OkHttpClient effective = ownsClient ? ownClient() : uncapped(client);
      ObjectMapper mapper = objectMapper != null
          ? objectMapper
          : new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
      return new HttpTransport(
          new HttpSettings(effective, baseUrl, mapper, headers.build(), maxResponseBytes), ownsClient);
    }

    private static OkHttpClient ownClient() {
      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequests(Integer.MAX_VALUE);
      dispatcher.setMaxRequestsPerHost(Integer.MAX_VALUE);
      return new OkHttpClient.Builder()
          .dispatcher(dispatcher)
          .readTimeout(Duration.ZERO)
          .writeTimeout(Duration.ZERO)
          // Repeating requests is the RetryPolicy's job, for idempotent methods only: OkHttp's own
          // silent retry could send a POST twice.
          .retryOnConnectionFailure(false)
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
