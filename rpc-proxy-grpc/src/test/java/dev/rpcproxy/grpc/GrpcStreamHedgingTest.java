package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.HedgePolicy;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import dev.rpcproxy.grpc.test.WatchTicketsRequest;
import dev.rpcproxy.testing.FakeTime;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.SenderContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hedged server streams over in-process gRPC, on {@link FakeTime} (the hedge delay passes when the
 * test says; the server runs on its own threads): a stuck first attempt is hedged, the hedge's
 * messages arrive in order and the loser's server Context is cancelled; no hedge once a message
 * arrived, for a non-idempotent RPC or with no budget; a non-retryable failure ends the call; each
 * attempt's trace headers reach the server as metadata.
 */
class GrpcStreamHedgingTest {
  private static final String CLIENT = "hedged-watcher";
  private static final Metadata.Key<String> TRACE = Metadata.Key.of("x-test-trace", Metadata.ASCII_STRING_MARSHALLER);
  private static final TestTicketService service = new TestTicketService();
  /** The {@link #TRACE} header of every call that had one, as the server received them. */
  private static final Queue<String> traces = new ConcurrentLinkedQueue<>();
  private static LocalServers servers;

  interface Watcher {
    Stream<Ticket> watchTickets(WatchTicketsRequest request);
  }

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  /** This test's own request: calls of other tests arriving late are answered empty. */
  private final WatchTicketsRequest request = WatchTicketsRequest.newBuilder().setFilter("hedge-" + System.nanoTime()).build();

  @BeforeAll
  static void start() {
    servers = LocalServers.inProcess(service, new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        String trace = headers.get(TRACE);
        if (trace != null) {
          traces.add(trace);
        }
        return next.startCall(call, headers);
      }
    });
  }

  @AfterAll
  static void stop() {
    servers.close();
  }

  @BeforeEach
  void reset() {
    service.reset();
    traces.clear();
  }

  private RpcProxy.Builder<Watcher> client(ServiceDescriptor descriptor, Policy policy) {
    return RpcProxy.builder(Watcher.class)
        .name(CLIENT)
        .transport(GrpcTransport.builder(servers.channel, descriptor).build())
        .timeSource(time)
        .policy(policy)
        .meterRegistry(registry);
  }

  private Watcher client(Policy policy) {
    return client(TicketServiceGrpc.getServiceDescriptor(), policy).build();
  }

  private static Policy.Builder hedging() {
    return Policy.builder().timeout(Duration.ofSeconds(20)).maxConcurrentCalls(4)
        .hedge(HedgePolicy.builder().maxAttempts(2).delay(Duration.ofMillis(50)).build());
  }

  private static Ticket ticket(int i) {
    return Ticket.newBuilder().setId("t-" + i).setTitle("ticket " + i).build();
  }

  /**
   * This test's calls, in the order the server receives them: the first is held until its Context
   * is cancelled (counting down {@code arrived}, then {@code cancelled}), the next ones answered by
   * {@code then}.
   */
  private void firstHeldThen(CountDownLatch arrived, CountDownLatch cancelled,
      TestTicketService.Handler<WatchTicketsRequest> then) {
    AtomicInteger calls = new AtomicInteger();
    TestTicketService.Handler<WatchTicketsRequest> hold = TestTicketService.holdUntilCancelled(arrived, cancelled);
    service.onWatch = (received, response) -> {
      if (!received.equals(request)) {
        response.onCompleted();
      } else if (calls.getAndIncrement() == 0) {
        hold.handle(received, response);
      } else {
        then.handle(received, response);
      }
    };
  }

  private static TestTicketService.Handler<WatchTicketsRequest> send(int count) {
    return (received, response) -> {
      for (int i = 1; i <= count; i++) {
        response.onNext(ticket(i));
      }
      response.onCompleted();
    };
  }

  private double attempts(String kind) {
    return registry.get("rpc.client.attempts").tags("client", CLIENT, "kind", kind).counter().count();
  }

  private static int permitsHeld(Watcher watcher) {
    return RpcProxy.inspect(watcher).inFlight();
  }

  @Test
  void aStuckFirstAttemptIsHedgedTheHedgesMessagesArriveInOrderAndTheLoserIsCancelledAtOnce() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    CountDownLatch hedgeCancelled = new CountDownLatch(1);
    firstHeldThen(arrived, cancelled, (received, response) -> {
      Context.current().addListener(c -> hedgeCancelled.countDown(), Runnable::run);
      for (int i = 1; i <= 20; i++) {
        response.onNext(ticket(i));
      }
      // and then the stream stays open
    });
    Watcher watcher = client(hedging().build());

    try (Stream<Ticket> tickets = watcher.watchTickets(request)) {
      assertThat(arrived.await(5, TimeUnit.SECONDS)).as("the first attempt reached the server").isTrue();
      time.advance(Duration.ofMillis(49));
      assertThat(attempts("hedge")).isZero();
      time.advance(Duration.ofMillis(1));
      assertThat(attempts("hedge")).isEqualTo(1);

      Iterator<Ticket> it = tickets.iterator();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ids.add(it.next().getId());
      }
      assertThat(ids).containsExactlyElementsOf(IntStream.rangeClosed(1, 20).mapToObj(i -> "t-" + i).toList());
      assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("the loser's server Context was cancelled at once").isTrue();
      assertThat(hedgeCancelled.getCount()).as("the committed hedge goes on").isEqualTo(1);
    }
    assertThat(hedgeCancelled.await(5, TimeUnit.SECONDS)).as("closing the stream cancels the hedge").isTrue();
    assertThat(service.watchCalls).hasValue(2);
    assertThat(registry.get("rpc.client.calls").tags("client", CLIENT, "outcome", "cancelled").timer().count()).isEqualTo(1);
    assertThat(RpcProxy.inspect(watcher).breakers().get(0).failedCalls()).isZero();
    assertThat(permitsHeld(watcher)).isZero();
  }

  @Test
  void onceAMessageHasArrivedNoHedgeIsSent() throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    service.onWatch = (received, response) -> {
      if (!received.equals(request)) {
        response.onCompleted();
        return;
      }
      Context.current().addListener(c -> cancelled.countDown(), Runnable::run);
      response.onNext(ticket(1)); // and then nothing, until cancelled
    };
    Watcher watcher = client(hedging().build());

    try (Stream<Ticket> tickets = watcher.watchTickets(request)) {
      Iterator<Ticket> it = tickets.iterator();
      assertThat(it.next().getId()).isEqualTo("t-1");
      time.advance(Duration.ofSeconds(5));
      assertThat(attempts("hedge")).isZero();
    }
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(service.watchCalls).hasValue(1);
    assertThat(permitsHeld(watcher)).isZero();
  }

  @Test
  void aNonIdempotentStreamIsNotHedged() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    firstHeldThen(arrived, cancelled, send(1));
    MethodDescriptor<WatchTicketsRequest, Ticket> unsafe = TicketServiceGrpc.getWatchTicketsMethod().toBuilder()
        .setSafe(false).setIdempotent(false).build();
    Watcher watcher = client(ServiceDescriptor.newBuilder(TicketServiceGrpc.SERVICE_NAME).addMethod(unsafe).build(),
        hedging().build()).build();

    try (Stream<Ticket> tickets = watcher.watchTickets(request)) {
      assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
      time.advance(Duration.ofSeconds(1));
      assertThat(attempts("hedge")).isZero();
    }
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(service.watchCalls).hasValue(1);
    assertThat(permitsHeld(watcher)).isZero();
  }

  @Test
  void noHedgeOnceTheBudgetIsSpent() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    firstHeldThen(arrived, cancelled, send(1));
    Watcher watcher = client(hedging()
        .retry(RetryPolicy.builder().maxAttempts(2).budget(0.0, 0, Duration.ofSeconds(10)).build()).build());

    try (Stream<Ticket> tickets = watcher.watchTickets(request)) {
      assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
      time.advance(Duration.ofSeconds(1));
      assertThat(attempts("hedge")).isZero();
    }
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(permitsHeld(watcher)).isZero();
  }

  @Test
  void aNonRetryableFailureOfTheHedgeEndsTheCallAndCancelsTheFirstAttempt() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    firstHeldThen(arrived, cancelled, TestTicketService.failWith(Status.INTERNAL.withDescription("broken")));
    Watcher watcher = client(hedging().build());

    try (Stream<Ticket> tickets = watcher.watchTickets(request)) {
      assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
      time.advance(Duration.ofMillis(50));
      assertThatThrownBy(tickets::toList).isInstanceOf(RemoteCallException.class)
          .satisfies(e -> assertThat(((RemoteCallException) e).status()).isEqualTo("INTERNAL"));
    }
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("the first attempt's server Context was cancelled").isTrue();
    assertThat(registry.get("rpc.client.calls").tags("client", CLIENT, "outcome", "failure").timer().count()).isEqualTo(1);
    assertThat(RpcProxy.inspect(watcher).breakers().get(0).failedCalls()).isEqualTo(1);
    assertThat(permitsHeld(watcher)).isZero();
  }

  @Test
  void aHedgedStreamIsOneCallObservationWithTwoAttemptsWhoseHeadersReachTheServer() throws Exception {
    List<Observation.Context> stopped = new CopyOnWriteArrayList<>();
    AtomicInteger started = new AtomicInteger();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new ObservationHandler<>() {
      @Override
      public void onStop(Observation.Context context) {
        stopped.add(context);
      }

      @Override
      public boolean supportsContext(Observation.Context context) {
        return true;
      }
    });
    observations.observationConfig().observationHandler(new ObservationHandler<SenderContext<Object>>() {
      @Override
      public void onStart(SenderContext<Object> context) {
        context.getSetter().set(context.getCarrier(), TRACE.name(), "attempt-" + started.incrementAndGet());
      }

      @Override
      public boolean supportsContext(Observation.Context context) {
        return context instanceof SenderContext;
      }
    });
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    firstHeldThen(arrived, cancelled, send(3));
    Watcher watcher = client(TicketServiceGrpc.getServiceDescriptor(), hedging().build())
        .observationRegistry(observations).build();

    try (Stream<Ticket> tickets = watcher.watchTickets(request)) {
      assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
      time.advance(Duration.ofMillis(50));
      assertThat(tickets.map(Ticket::getId).toList()).containsExactly("t-1", "t-2", "t-3");
    }

    assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(traces).containsExactly("attempt-1", "attempt-2");
    List<Observation.Context> calls = stopped.stream().filter(c -> c.getName().equals("rpc.client.call")).toList();
    List<Observation.Context> attempts = stopped.stream().filter(c -> c.getName().equals("rpc.client.attempt")).toList();
    assertThat(calls).singleElement().satisfies(c -> {
      assertThat(c.getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("success");
      assertThat(c.getLowCardinalityKeyValue("method").getValue()).isEqualTo("watchTickets");
    });
    assertThat(attempts).extracting(c -> c.getLowCardinalityKeyValue("kind").getValue())
        .containsExactly("first", "hedge");
    assertThat(attempts).allSatisfy(c -> assertThat(c.getParentObservation().getContextView().getName())
        .isEqualTo("rpc.client.call"));
    assertThat(permitsHeld(watcher)).isZero();
  }
}
