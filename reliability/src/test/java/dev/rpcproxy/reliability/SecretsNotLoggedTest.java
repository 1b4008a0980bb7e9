package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.testing.FakeTime;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.ItemRequest;
import dev.rpcproxy.testing.CapturedLogs;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Header values, query and path arguments and bodies never reach the logs (captured at DEBUG) or
 * any exception message in the chain, whatever way the call ends: success, 5xx, 4xx, reset,
 * malformed body, timeout, breaker transitions; over REST and gRPC.
 */
class SecretsNotLoggedTest {
  private static final String AUTH = "Bearer auth-secret-111";
  private static final String COOKIE = "session=cookie-secret-222";
  private static final String PROXY_AUTH = "Basic proxy-secret-333";
  private static final String PER_CALL_TOKEN = "per-call-secret-444";
  private static final String BODY = "body-secret-555";
  private static final String QUERY = "query-secret-666";
  private static final String PATH = "path-secret-777";
  private static final List<String> SECRETS = List.of("auth-secret-111", "cookie-secret-222", "proxy-secret-333",
      PER_CALL_TOKEN, BODY, QUERY, PATH);

  interface Api {
    @GET
    @Path("/accounts/{account}")
    ItemDto get(@PathParam("account") String account, @QueryParam("api_key") String key,
        @HeaderParam("Authorization") String authorization);

    @POST
    @Path("/accounts")
    ItemDto post(ItemDto body);
  }

  @Test
  void restSecretsStayOutOfLogsAndExceptions() throws Exception {
    List<Integer> statuses = List.of(200, 200, 503, 500, 401, -1, -2, -3, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503);
    int[] next = {0};
    List<String> headersSeen = Collections.synchronizedList(new ArrayList<>());
    try (LoopbackHttpServer server = new LoopbackHttpServer(ex -> {
      headersSeen.add(ex.header("Authorization") + "|" + ex.header("Cookie") + "|" + ex.header("Proxy-Authorization"));
      int status;
      synchronized (next) {
        status = statuses.get(Math.min(next[0]++, statuses.size() - 1));
      }
      switch (status) {
        case -1 -> ex.reset();
        case -2 -> ex.respond(200, "application/json", "{\"id\": oops".getBytes(StandardCharsets.UTF_8));
        case -3 -> ex.awaitClientGone(2_000);
        default -> ex.respond(status, "application/json",
            "{\"id\":1,\"seq\":1,\"source\":\"server\",\"payload\":\"ok\"}".getBytes(StandardCharsets.UTF_8));
      }
    })) {
      HttpTransport transport = HttpTransport.builder().baseUrl(server.baseUrl())
          .header("Authorization", AUTH).header("Cookie", COOKIE).header("Proxy-Authorization", PROXY_AUTH).build();
      FakeTime time = new FakeTime();
      Api api = RpcProxy.builder(Api.class)
          .name("secrets")
          .transport(transport)
          .timeSource(time)
          .policy(Policy.builder().timeout(Duration.ofMillis(300))
              .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(4).minimumNumberOfCalls(4)
                  .waitDurationInOpenState(Duration.ofMillis(50)).build())
              .retry(RetryPolicy.builder().maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(2)).build())
              .build())
          .build();
      List<Throwable> failures = new ArrayList<>();
      String logs = CapturedLogs.during(() -> {
        for (int i = 0; i < 14; i++) {
          try {
            if (i % 3 == 2) {
              api.post(new ItemDto(1, 1, "client", BODY));
            } else {
              api.get(PATH, QUERY, PER_CALL_TOKEN);
            }
          } catch (RuntimeException e) {
            failures.add(e);
          }
          if (i == 10) {
            time.advance(Duration.ofMillis(80)); // let the breaker half-open, so its transitions are logged too
          }
        }
      });
      transport.close();

      assertThat(headersSeen).as("the headers were really sent").anyMatch(h -> h.contains("auth-secret-111"));
      assertThat(logs).as("DEBUG logging was on").contains("GET /accounts/{account}").contains("circuit breaker");
      assertNoSecret(logs, failures);
      assertThat(failures).hasSizeGreaterThan(3);
    }
  }

  @Test
  void grpcMetadataAndMessagesStayOutOfLogsAndExceptions() throws Exception {
    FaultInjector faults = new FaultInjector(1);
    try (ChaosGrpcServer server = new ChaosGrpcServer(faults)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      ClientInterceptor credentials = new ClientInterceptor() {
        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
          return new SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<A> listener, Metadata headers) {
              headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), AUTH);
              headers.put(Metadata.Key.of("cookie", Metadata.ASCII_STRING_MARSHALLER), COOKIE);
              super.start(listener, headers);
            }
          };
        }
      };
      GrpcInventory api = RpcProxy.builder(GrpcInventory.class)
          .name("grpc-secrets")
          .transport(GrpcTransport.builder(channel, InventoryGrpc.getServiceDescriptor()).interceptors(credentials).build())
          .policy(Policy.builder().timeout(Duration.ofMillis(300))
              .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(4).minimumNumberOfCalls(4).build())
              .build())
          .build();
      List<Throwable> failures = new ArrayList<>();
      String logs = CapturedLogs.during(() -> {
        for (FaultInjector.Fault fault : List.of(FaultInjector.Fault.NONE, FaultInjector.Fault.ERROR,
            FaultInjector.Fault.MALFORMED, FaultInjector.Fault.TRUNCATED, FaultInjector.Fault.HANG, FaultInjector.Fault.ERROR)) {
          faults.force(fault);
          try {
            api.putItem(ItemRequest.newBuilder().setId(1).setPayload(BODY).build());
          } catch (RuntimeException e) {
            failures.add(e);
          }
        }
      });
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

      assertThat(logs).as("breaker transitions were logged").contains("grpc-secrets");
      assertNoSecret(logs, failures);
      assertThat(failures).hasSizeGreaterThanOrEqualTo(4);
    }
  }

  private static void assertNoSecret(String logs, List<Throwable> failures) {
    for (String secret : SECRETS) {
      assertThat(logs).doesNotContain(secret);
      for (Throwable failure : failures) {
        assertChainFree(failure, secret);
      }
    }
  }

  private static void assertChainFree(Throwable t, String secret) {
    for (Throwable e = t; e != null; e = e.getCause() == e ? null : e.getCause()) {
      assertThat(String.valueOf(e.getMessage())).as("message of %s", e.getClass().getName()).doesNotContain(secret);
      assertThat(e.toString()).doesNotContain(secret);
      for (Throwable suppressed : e.getSuppressed()) {
        assertChainFree(suppressed, secret);
      }
    }
  }
}
