package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.testing.FakeTime;
import dev.rpcproxy.grpc.test.CreateTicketRequest;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The policy pipeline acting on gRPC statuses: breaker, retries with pushback, bulkhead. */
class GrpcResiliencePolicyTest {
  private static final TestTicketService service = new TestTicketService();
  private static final CreateTicketRequest CREATE = CreateTicketRequest.newBuilder().setTitle("x").build();
  private static final GetTicketRequest GET = GetTicketRequest.newBuilder().setId("t-1").build();
  private static final Ticket FALLBACK = Ticket.newBuilder().setId("fallback").build();
  private static LocalServers servers;

  @BeforeAll
  static void start() {
    servers = LocalServers.inProcess(service);
  }

  @AfterAll
  static void stop() {
    servers.close();
  }

  @BeforeEach
  void reset() {
    service.reset();
  }

  private static RpcProxy.Builder<TicketClient> client(Policy policy) {
    return RpcProxy.builder(TicketClient.class)
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(policy);
  }

  private static CircuitBreakerConfig smallBreaker() {
    return CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(4).minimumNumberOfCalls(4).failureRateThreshold(50)
        .waitDurationInOpenState(Duration.ofMinutes(1))
        .build();
  }

  private static RetryPolicy threeAttempts() {
    return RetryPolicy.builder().maxAttempts(3).backoff(Duration.ZERO, Duration.ZERO).build();
  }

  @Test
  void breakerOpensOnUnavailableAndStopsCallingTheServer() {
    service.onCreate = TestTicketService.failWith(Status.UNAVAILABLE.withDescription("down for maintenance"));
    TicketClient tickets = client(Policy.builder().circuitBreaker(smallBreaker()).build()).build();

    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> tickets.createTicket(CREATE))
          .isInstanceOfSatisfying(RemoteCallException.class, e -> {
            assertThat(e.status()).isEqualTo("UNAVAILABLE");
            assertThat(e.isClientError()).isFalse();
            assertThat(e.isRetryable()).isTrue();
            assertThat(e.detail()).hasValue("down for maintenance");
          });
    }
    assertThatThrownBy(() -> tickets.createTicket(CREATE)).isInstanceOf(CircuitOpenException.class);
    assertThatThrownBy(() -> tickets.createTicketAsync(CREATE).join())
        .isInstanceOf(CompletionException.class).hasCauseInstanceOf(CircuitOpenException.class);

    assertThat(service.createCalls).hasValue(4);
  }

  @Test
  void callerErrorsNeitherOpenTheBreakerNorRetryNorFallBack() {
    service.onGet = TestTicketService.failWith(Status.INVALID_ARGUMENT.withDescription("id must be t-<n>"));
    TicketClient tickets = client(Policy.builder().circuitBreaker(smallBreaker()).retry(threeAttempts()).build())
        .fallback(Fallbacks.value(FALLBACK))
        .build();

    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> tickets.getTicket(GET))
          .isInstanceOfSatisfying(RemoteCallException.class, e -> {
            assertThat(e.status()).isEqualTo("INVALID_ARGUMENT");
            assertThat(e.isClientError()).isTrue();
            assertThat(e.isRetryable()).isFalse();
          });
    }

    assertThat(service.getCalls).as("one attempt per call, breaker still closed").hasValue(10);
  }

  @Test
  void serviceFailuresAreAnsweredByTheFallback() {
    service.onCreate = TestTicketService.failWith(Status.INTERNAL);
    TicketClient tickets = client(Policy.builder().build()).fallback(Fallbacks.value(FALLBACK)).build();

    assertThat(tickets.createTicket(CREATE)).isEqualTo(FALLBACK);
    assertThat(tickets.createTicketAsync(CREATE).join()).isEqualTo(FALLBACK);
  }

  @Test
  void unavailableIsRetriedForTheIdempotentRpc() {
    AtomicInteger attempts = new AtomicInteger();
    service.onGet = (request, response) -> {
      if (attempts.incrementAndGet() < 3) {
        response.onError(Status.UNAVAILABLE.asRuntimeException());
      } else {
        TestTicketService.reply(response, Ticket.newBuilder().setId(request.getId()).build());
      }
    };
    TicketClient tickets = client(Policy.builder().retry(threeAttempts()).build()).build();

    assertThat(tickets.getTicket(GET).getId()).isEqualTo("t-1");
    assertThat(service.getCalls).hasValue(3);

    attempts.set(0);
    assertThat(tickets.getTicketAsync(GET).join().getId()).isEqualTo("t-1");
    assertThat(service.getCalls).hasValue(6);
  }

  @Test
  void unavailableIsNotRetriedForTheNonIdempotentRpc() {
    service.onCreate = TestTicketService.failWith(Status.UNAVAILABLE);
    TicketClient tickets = client(Policy.builder().retry(threeAttempts()).build()).build();

    assertThatThrownBy(() -> tickets.createTicket(CREATE)).isInstanceOf(RemoteCallException.class);
    assertThatThrownBy(() -> tickets.createTicketAsync(CREATE).join())
        .hasCauseInstanceOf(RemoteCallException.class);

    assertThat(service.createCalls).hasValue(2);
  }

  @Test
  void negativePushbackForbidsTheRetry() {
    service.onGet = TestTicketService.failWith(Status.UNAVAILABLE, "-1");
    TicketClient tickets = client(Policy.builder().retry(threeAttempts()).build()).build();

    assertThatThrownBy(() -> tickets.getTicket(GET))
        .isInstanceOfSatisfying(RemoteCallException.class, e -> {
          assertThat(e.isRetryable()).isFalse();
          assertThat(e.retryAfter()).isEmpty();
        });
    assertThat(service.getCalls).hasValue(1);
  }

  @Test
  void nonNegativePushbackIsTheRetryDelayAndMakesResourceExhaustedRetryable() {
    service.onGet = TestTicketService.failWith(Status.RESOURCE_EXHAUSTED, "20");
    FakeTime time = new FakeTime();
    TicketClient tickets = client(Policy.builder().timeout(Duration.ofSeconds(5)).retry(threeAttempts()).build())
        .timeSource(time).build();

    assertThatThrownBy(() -> tickets.getTicket(GET))
        .isInstanceOfSatisfying(RemoteCallException.class, e -> {
          assertThat(e.status()).isEqualTo("RESOURCE_EXHAUSTED");
          assertThat(e.isRetryable()).isTrue();
          assertThat(e.retryAfter()).hasValue(Duration.ofMillis(20));
        });

    assertThat(service.getCalls).hasValue(3);
    assertThat(time.slept()).as("two waits of the pushback, the backoff being shorter").isEqualTo(Duration.ofMillis(40));
  }

  @Test
  void resourceExhaustedWithoutPushbackIsNotRetried() {
    service.onGet = TestTicketService.failWith(Status.RESOURCE_EXHAUSTED);
    TicketClient tickets = client(Policy.builder().retry(threeAttempts()).build()).build();

    assertThatThrownBy(() -> tickets.getTicket(GET)).isInstanceOf(RemoteCallException.class);
    assertThat(service.getCalls).hasValue(1);
  }

  @Test
  void bulkheadBoundsTheCallsTheServerSees() throws Exception {
    int limit = 3;
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    service.onCreate = (request, response) -> {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        release.await(10, TimeUnit.SECONDS);
      } finally {
        inFlight.decrementAndGet();
      }
      TestTicketService.reply(response, Ticket.newBuilder().setTitle(request.getTitle()).build());
    };
    TicketClient tickets = client(Policy.builder().maxConcurrentCalls(limit).build()).build();

    List<CompletableFuture<Ticket>> calls = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      calls.add(tickets.createTicketAsync(CREATE));
    }
    List<CompletableFuture<Ticket>> admitted = calls.stream().filter(f -> !f.isDone()).toList();
    List<CompletableFuture<Ticket>> rejected = calls.stream().filter(CompletableFuture::isDone).toList();

    assertThat(admitted).hasSize(limit);
    assertThat(rejected).hasSize(12 - limit).allSatisfy(f -> assertThatThrownBy(f::join)
        .hasCauseInstanceOf(BulkheadFullException.class));
    await().atMost(Duration.ofSeconds(5)).until(() -> inFlight.get() == limit);
    assertThatThrownBy(() -> tickets.createTicket(CREATE)).isInstanceOf(BulkheadFullException.class);

    release.countDown();
    for (CompletableFuture<Ticket> call : admitted) {
      assertThat(call.get(5, TimeUnit.SECONDS).getTitle()).isEqualTo("x");
    }
    assertThat(maxInFlight).hasValue(limit);
    assertThat(service.createCalls).hasValue(limit);
    // Every permit came back: a full round fits again.
    assertThat(tickets.createTicket(CREATE).getTitle()).isEqualTo("x");
  }
}
