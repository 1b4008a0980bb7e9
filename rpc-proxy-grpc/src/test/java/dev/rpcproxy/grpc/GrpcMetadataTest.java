package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.test.CreateTicketRequest;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import io.grpc.CallCredentials;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Deadline;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Call credentials and interceptor headers reach the server next to the deadline, and stay out of messages. */
class GrpcMetadataTest {
  private static final String TOKEN = "Bearer s3cr3t-t0ken";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> TENANT = Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER);
  private static final TestTicketService service = new TestTicketService();
  private static final AtomicReference<Metadata> headers = new AtomicReference<>();
  private static final AtomicReference<CallOptions> optionsSeenByInterceptor = new AtomicReference<>();
  private static LocalServers servers;

  @BeforeAll
  static void start() {
    ServerInterceptor capture = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata requestHeaders, ServerCallHandler<Q, R> next) {
        headers.set(requestHeaders);
        return next.startCall(call, requestHeaders);
      }
    };
    servers = LocalServers.netty(service, capture);
  }

  @AfterAll
  static void stop() {
    servers.close();
  }

  @BeforeEach
  void reset() {
    service.reset();
    headers.set(null);
    optionsSeenByInterceptor.set(null);
  }

  private static final class BearerToken extends CallCredentials {
    @Override
    public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
      Metadata extra = new Metadata();
      extra.put(AUTHORIZATION, TOKEN);
      applier.apply(extra);
    }
  }

  private static final class TenantHeader implements ClientInterceptor {
    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      optionsSeenByInterceptor.set(options);
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata requestHeaders) {
          requestHeaders.put(TENANT, "acme");
          super.start(listener, requestHeaders);
        }
      };
    }
  }

  private static TicketClient client() {
    return RpcProxy.builder(TicketClient.class)
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor())
            .callOptions(o -> o.withCallCredentials(new BearerToken()))
            .callOptions(o -> o.withDeadlineAfter(1, TimeUnit.DAYS)) // replaced by the call's deadline
            .interceptors(new TenantHeader())
            .build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(5)).build())
        .build();
  }

  @Test
  void credentialsAndInterceptorHeadersArriveWithTheDeadline() {
    TicketClient tickets = client();

    tickets.createTicket(CreateTicketRequest.newBuilder().setTitle("a").build());

    assertThat(headers.get().get(AUTHORIZATION)).isEqualTo(TOKEN);
    assertThat(headers.get().get(TENANT)).isEqualTo("acme");
    assertThat(optionsSeenByInterceptor.get().getCredentials()).isInstanceOf(BearerToken.class);
    assertThat(service.callsWithoutDeadline).hasValue(0);
    Deadline deadline = service.deadlines.peek();
    assertThat(deadline.timeRemaining(TimeUnit.MILLISECONDS)).as("the call's 5 s, not the 1 day of the options")
        .isBetween(1L, 5_000L);
  }

  @Test
  void asyncCallsCarryTheSameMetadata() {
    client().getTicketAsync(GetTicketRequest.newBuilder().setId("t-1").build()).join();

    assertThat(headers.get().get(AUTHORIZATION)).isEqualTo(TOKEN);
    assertThat(headers.get().get(TENANT)).isEqualTo("acme");
    assertThat(service.callsWithoutDeadline).hasValue(0);
  }

  @Test
  void credentialsNeverAppearInFailureMessages() {
    service.onCreate = (request, response) -> {
      Metadata trailers = new Metadata();
      trailers.put(Metadata.Key.of("x-debug", Metadata.ASCII_STRING_MARSHALLER), "trailer-value");
      response.onError(Status.PERMISSION_DENIED.withDescription("tenant may not create tickets")
          .asRuntimeException(trailers));
    };

    assertThatThrownBy(() -> client().createTicket(CreateTicketRequest.newBuilder().setTitle("a").build()))
        .isInstanceOfSatisfying(RemoteCallException.class, e -> {
          assertThat(e.status()).isEqualTo("PERMISSION_DENIED");
          assertThat(e.isClientError()).isTrue();
          assertThat(e.getMessage()).contains("tenant may not create tickets")
              .doesNotContain(TOKEN).doesNotContain("s3cr3t").doesNotContain("trailer-value");
          assertThat(e.toString()).doesNotContain("s3cr3t");
        });
    assertThat(service.deadlines).hasSize(1);
  }
}
