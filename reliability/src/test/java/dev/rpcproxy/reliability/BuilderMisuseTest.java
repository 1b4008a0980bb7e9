package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.Transports;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way of misconfiguring a client that we know of: each fails at once (at the setter, or at
 * the latest in {@code build()}) with a precise exception type and a message naming what was
 * wrong, and never repeating a header value it rejected.
 */
class BuilderMisuseTest {
  private static final ManagedChannel CHANNEL = InProcessChannelBuilder.forName("never-started").build();
  private static final String SECRET = "s3cr3t-token-value";

  interface Plain {
    String get(String id);
  }

  interface NoHttpAnnotation {
    @Path("/x")
    String get();
  }

  interface TwoBodies {
    @POST
    @Path("/x")
    String post(String a, String b);
  }

  interface GetWithBody {
    @GET
    @Path("/x")
    String get(String body);
  }

  interface PathParamMismatch {
    @GET
    @Path("/items/{id}")
    String get(@PathParam("other") String other);
  }

  interface RawFuture {
    @GET
    @Path("/x")
    @SuppressWarnings("rawtypes")
    CompletableFuture get();
  }

  interface PlainFuture {
    @GET
    @Path("/x")
    Future<String> get();
  }

  interface UnknownRpc {
    Item deleteItem(ItemRequest request);
  }

  interface TwoParams {
    Item getItem(ItemRequest request, ItemRequest other);
  }

  interface WrongParam {
    Item getItem(String request);
  }

  interface WrongReturn {
    String getItem(ItemRequest request);
  }

  record Case(Runnable action, Class<? extends Throwable> type, List<String> mustName) {}

  static Stream<Arguments> misuses() {
    return Stream.of(
        // RpcProxy.builder
        c("builder(class, not interface)", () -> RpcProxy.builder(String.class), IllegalArgumentException.class, "java.lang.String", "not an interface"),
        c("builder(null)", () -> RpcProxy.builder(null), NullPointerException.class, "api"),
        c("name(blank)", () -> RpcProxy.builder(Plain.class).name(" "), IllegalArgumentException.class, "name", "blank", "Plain"),
        c("build() without transport", () -> RpcProxy.builder(Plain.class).build(), IllegalArgumentException.class, "Plain", "transport"),
        c("transport(null)", () -> RpcProxy.builder(Plain.class).transport(null), NullPointerException.class, "transport"),
        c("policy(unknown method)", () -> RpcProxy.builder(Plain.class).transport(direct())
            .policy("gett", Policy.builder().build()).build(), IllegalArgumentException.class, "Plain.gett", "no such method", "[get]"),
        c("fallback(unknown method)", () -> RpcProxy.builder(Plain.class).transport(direct())
            .fallback("nope", Fallbacks.value("x")).build(), IllegalArgumentException.class, "Plain.nope", "no such method"),
        c("fallback implementation lacking the method", () -> RpcProxy.builder(Plain.class).transport(direct())
            .fallback(Fallbacks.implementation(new Object())).build(), IllegalArgumentException.class, "Plain.get", "java.lang.Object"),
        c("raw CompletableFuture", () -> http(RawFuture.class), IllegalArgumentException.class, "RawFuture.get", "type argument"),
        c("java.util.concurrent.Future return", () -> http(PlainFuture.class), IllegalArgumentException.class, "PlainFuture.get", "Future", "CompletableFuture"),
        c("meterRegistry(null)", () -> RpcProxy.builder(Plain.class).meterRegistry(null), NullPointerException.class, "meterRegistry"),
        // Policy
        c("timeout(0)", () -> Policy.builder().timeout(Duration.ZERO), IllegalArgumentException.class, "timeout", "positive", "PT0S"),
        c("timeout(-1s)", () -> Policy.builder().timeout(Duration.ofSeconds(-1)), IllegalArgumentException.class, "timeout", "PT-1S"),
        c("timeout(null)", () -> Policy.builder().timeout(null), NullPointerException.class, "timeout"),
        c("maxConcurrentCalls(0)", () -> Policy.builder().maxConcurrentCalls(0), IllegalArgumentException.class, "maxConcurrentCalls", "0"),
        c("maxWaitForPermit(-1ms)", () -> Policy.builder().maxWaitForPermit(Duration.ofMillis(-1)), IllegalArgumentException.class, "maxWaitForPermit", "negative"),
        c("circuitBreaker(null)", () -> Policy.builder().circuitBreaker(null), NullPointerException.class, "circuitBreaker"),
        c("retry(null)", () -> Policy.builder().retry(null), NullPointerException.class, "retry"),
        // RetryPolicy
        c("maxAttempts(0)", () -> RetryPolicy.builder().maxAttempts(0), IllegalArgumentException.class, "maxAttempts", "0"),
        c("backoff(negative)", () -> RetryPolicy.builder().backoff(Duration.ofMillis(-5), Duration.ofSeconds(1)), IllegalArgumentException.class, "initial backoff", "negative"),
        c("backoff(max < initial)", () -> RetryPolicy.builder().backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)), IllegalArgumentException.class, "max backoff", "PT1S", "PT2S"),
        c("multiplier(0.5)", () -> RetryPolicy.builder().multiplier(0.5), IllegalArgumentException.class, "multiplier", "0.5"),
        c("multiplier(NaN)", () -> RetryPolicy.builder().multiplier(Double.NaN), IllegalArgumentException.class, "multiplier", "NaN"),
        c("jitter(1.5)", () -> RetryPolicy.builder().jitter(1.5), IllegalArgumentException.class, "jitter", "1.5"),
        c("budget(ratio -1)", () -> RetryPolicy.builder().budget(-1, 10, Duration.ofSeconds(10)), IllegalArgumentException.class, "budget ratio", "-1"),
        c("budget(floor -1)", () -> RetryPolicy.builder().budget(0.2, -1, Duration.ofSeconds(10)), IllegalArgumentException.class, "minRetriesPerSecond", "-1"),
        c("budget(window 500ms)", () -> RetryPolicy.builder().budget(0.2, 10, Duration.ofMillis(500)), IllegalArgumentException.class, "budget window", "1 s"),
        // Fallbacks
        c("cached(0 entries)", () -> Fallbacks.cached(0, Duration.ofMinutes(1)), IllegalArgumentException.class, "maxEntries", "0"),
        c("cached(zero age)", () -> Fallbacks.cached(10, Duration.ZERO), IllegalArgumentException.class, "maxAge", "positive"),
        c("of(null)", () -> Fallbacks.of(null), NullPointerException.class, "function"),
        c("error(null)", () -> Fallbacks.error(null), NullPointerException.class, "function"),
        c("implementation(null)", () -> Fallbacks.implementation(null), NullPointerException.class, "target"),
        c("orElse(null)", () -> Fallbacks.value(1).orElse(null), NullPointerException.class, "next"),
        // HttpTransport.builder
        c("baseUrl(ftp)", () -> HttpTransport.builder().baseUrl("ftp://example.com"), IllegalArgumentException.class, "baseUrl", "'ftp'"),
        c("baseUrl(not a URL)", () -> HttpTransport.builder().baseUrl("localhost:8080"), IllegalArgumentException.class, "baseUrl", "http://"),
        c("baseUrl(with query)", () -> HttpTransport.builder().baseUrl("http://localhost/?a=1"), IllegalArgumentException.class, "baseUrl", "query"),
        c("baseUrl(null)", () -> HttpTransport.builder().baseUrl(null), NullPointerException.class, "baseUrl"),
        c("build() without baseUrl", () -> HttpTransport.builder().build(), IllegalStateException.class, "baseUrl"),
        c("header(name with newline)", () -> HttpTransport.builder().header("X-Token\n", SECRET), IllegalArgumentException.class, "header", "invalid"),
        c("header(value with newline)", () -> HttpTransport.builder().header("Authorization", "Bearer " + SECRET + "\r\nX: y"), IllegalArgumentException.class, "Authorization", "invalid"),
        c("maxResponseBytes(0)", () -> HttpTransport.builder().maxResponseBytes(0), IllegalArgumentException.class, "maxResponseBytes", "0"),
        c("client(null)", () -> HttpTransport.builder().client(null), NullPointerException.class, "client"),
        c("objectMapper(null)", () -> HttpTransport.builder().objectMapper(null), NullPointerException.class, "objectMapper"),
        c("no HTTP method annotation", () -> http(NoHttpAnnotation.class), IllegalArgumentException.class, "NoHttpAnnotation.get"),
        c("two bodies", () -> http(TwoBodies.class), IllegalArgumentException.class, "TwoBodies.post", "body"),
        c("GET with a body", () -> http(GetWithBody.class), IllegalArgumentException.class, "GetWithBody.get", "GET"),
        c("@PathParam not in template", () -> http(PathParamMismatch.class), IllegalArgumentException.class, "PathParamMismatch.get", "id"),
        // GrpcTransport.builder
        c("builder(null channel)", () -> GrpcTransport.builder(null, InventoryGrpc.getServiceDescriptor()), NullPointerException.class, "channel"),
        c("builder(null service)", () -> GrpcTransport.builder(CHANNEL, null), NullPointerException.class, "service"),
        c("callOptions(null)", () -> GrpcTransport.builder(CHANNEL, InventoryGrpc.getServiceDescriptor()).callOptions(null), NullPointerException.class, "customizer"),
        c("callOptions returning null", () -> GrpcTransport.builder(CHANNEL, InventoryGrpc.getServiceDescriptor()).callOptions(o -> null).build(),
            IllegalArgumentException.class, "callOptions", "null", "Inventory"),
        c("interceptors(null)", () -> GrpcTransport.builder(CHANNEL, InventoryGrpc.getServiceDescriptor()).interceptors((ClientInterceptor) null),
            NullPointerException.class, "interceptor"),
        c("unknown RPC", () -> grpc(UnknownRpc.class), IllegalArgumentException.class, "UnknownRpc.deleteItem", "DeleteItem", "GetItem"),
        c("two parameters", () -> grpc(TwoParams.class), IllegalArgumentException.class, "TwoParams.getItem", "one parameter"),
        c("parameter not the request message", () -> grpc(WrongParam.class), IllegalArgumentException.class, "WrongParam.getItem", "String", "ItemRequest"),
        c("return not the response message", () -> grpc(WrongReturn.class), IllegalArgumentException.class, "WrongReturn.getItem", "String", "Item"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("misuses")
  void misuseFailsFastWithAClearMessage(Case c) {
    Throwable thrown = catchThrowable(c.action::run);

    assertThat(thrown).isExactlyInstanceOf(c.type);
    assertThat(thrown.getMessage()).as("message of %s", thrown).isNotBlank();
    for (String word : c.mustName) {
      assertThat(thrown.getMessage()).as("message names what was wrong").contains(word);
    }
    // A rejected header value is a secret as often as not: never repeated, not even in a cause.
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      assertThat(String.valueOf(t.getMessage())).doesNotContain(SECRET);
    }
  }

  @AfterAll
  static void closeChannel() {
    CHANNEL.shutdownNow();
  }

  private static Arguments c(String name, Runnable action, Class<? extends Throwable> type, String... mustName) {
    return Arguments.of(Named.of(name, new Case(action, type, List.of(mustName))));
  }

  private static dev.rpcproxy.spi.Transport direct() {
    return Transports.direct((Plain) id -> id);
  }

  private static <T> T http(Class<T> api) {
    return RpcProxy.builder(api).transport(HttpTransport.builder().baseUrl("http://127.0.0.1:9").build()).build();
  }

  private static <T> T grpc(Class<T> api) {
    return RpcProxy.builder(api)
        .transport(GrpcTransport.builder(CHANNEL, InventoryGrpc.getServiceDescriptor()).build())
        .build();
  }
}
