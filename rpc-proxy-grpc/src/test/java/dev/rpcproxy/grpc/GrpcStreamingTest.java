package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.BulkheadFullException;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import dev.rpcproxy.grpc.test.WatchTicketsRequest;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Server-streaming RPCs through the pipeline, in-process and over Netty: messages in order, early
 * close cancels the server, deadline and idle timeout end a stream, the permit comes back in every
 * ending, retries and fallbacks only before the first message, one calls sample per stream.
 */
class GrpcStreamingTest {
  private static final String CLIENT = "watcher";
  private static final WatchTicketsRequest WATCH = WatchTicketsRequest.newBuilder().setFilter("open").build();
  private static final TestTicketService service = new TestTicketService();
  private static LocalServers inProcess;
  private static LocalServers netty;

  interface Watcher {
    Stream<Ticket> watchTickets(WatchTicketsRequest request);

    Flow.Publisher<Ticket> watchTicketsAsync(WatchTicketsRequest request);
  }

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeAll
  static void start() {
    inProcess = LocalServers.inProcess(service);
    netty = LocalServers.netty(service);
  }

  @AfterAll
  static void stop() {
    inProcess.close();
    netty.close();
  }

  @BeforeEach
  void reset() {
    service.reset();
  }

  static Stream<Named<Channel>> channels() {
    return Stream.of(Named.of("in-process", inProcess.channel), Named.of("netty", netty.channel));
  }

  private RpcProxy.Builder<Watcher> client(Channel channel, Policy policy) {
    return RpcProxy.builder(Watcher.class)
        .name(CLIENT)
        .transport(GrpcTransport.builder(channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(policy)
        .meterRegistry(registry);
  }

  private static Policy.Builder policy() {
    return Policy.builder().timeout(Duration.ofSeconds(20)).maxConcurrentCalls(2);
  }

  private static Ticket ticket(int i) {
    return Ticket.newBuilder().setId("t-" + i).setTitle("ticket " + i).build();
  }

  /** Sends {@code count} tickets and completes. */
  private static TestTicketService.Handler<WatchTicketsRequest> send(int count) {
    return (request, response) -> {
      for (int i = 1; i <= count; i++) {
        response.onNext(ticket(i));
      }
      response.onCompleted();
    };
  }

  /** Sends {@code count} tickets, then holds the stream open until its Context is cancelled. */
  private static TestTicketService.Handler<WatchTicketsRequest> sendThenHold(int count, CountDownLatch cancelled) {
    return (request, response) -> {
      Context.current().addListener(c -> cancelled.countDown(), Runnable::run);
      for (int i = 1; i <= count; i++) {
        response.onNext(ticket(i));
      }
    };
  }

  /** Sends as fast as flow control lets it, until cancelled: a stream that keeps going. */
  private static TestTicketService.Handler<WatchTicketsRequest> sendForever(CountDownLatch cancelled) {
    return (request, response) -> {
      ServerCallStreamObserver<Ticket> observer = (ServerCallStreamObserver<Ticket>) response;
      AtomicInteger next = new AtomicInteger();
      observer.setOnCancelHandler(cancelled::countDown);
      observer.setOnReadyHandler(() -> {
        while (observer.isReady() && !observer.isCancelled()) {
          observer.onNext(ticket(next.incrementAndGet()));
        }
      });
    };
  }

  private double count(String outcome) {
    return registry.find("rpc.client.calls").tag("client", CLIENT).tag("outcome", outcome).timers().stream()
        .mapToLong(t -> t.count()).sum();
  }

  private double totalCalls() {
    return registry.find("rpc.client.calls").tag("client", CLIENT).timers().stream().mapToLong(t -> t.count()).sum();
  }

  private double availablePermits() {
    return registry.get("resilience4j.bulkhead.available.concurrent.calls").tag("name", CLIENT).gauge().value();
  }

  private double failedCallsOnBreaker() {
    return registry.get("resilience4j.circuitbreaker.buffered.calls").tag("name", CLIENT).tag("kind", "failed")
        .gauge().value();
  }

  @ParameterizedTest
  @MethodSource("channels")
  void aStreamDeliversEveryMessageInOrder(Channel channel) {
    service.onWatch = send(100);
    Watcher watcher = client(channel, policy().build()).build();

    List<String> ids;
    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      ids = tickets.map(Ticket::getId).toList();
    }

    assertThat(ids).containsExactlyElementsOf(IntStream.rangeClosed(1, 100).mapToObj(i -> "t-" + i).toList());
    assertThat(count("success")).isEqualTo(1);
    assertThat(totalCalls()).isEqualTo(1);
    assertThat(registry.get("rpc.client.stream.messages").tag("client", CLIENT).tag("method", "watchTickets")
        .counter().count()).isEqualTo(100);
    assertThat(availablePermits()).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void aPublisherDeliversOnDemandAndInOrder(Channel channel) throws Exception {
    service.onWatch = send(20);
    Watcher watcher = client(channel, policy().build()).build();
    List<String> ids = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> error = new AtomicReference<>();

    watcher.watchTicketsAsync(WATCH).subscribe(new Flow.Subscriber<>() {
      private Flow.Subscription subscription;

      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
      }

      @Override
      public void onNext(Ticket item) {
        ids.add(item.getId());
        subscription.request(1); // one at a time: gRPC flow control
      }

      @Override
      public void onError(Throwable throwable) {
        error.set(throwable);
        done.countDown();
      }

      @Override
      public void onComplete() {
        done.countDown();
      }
    });

    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(error.get()).isNull();
    assertThat(ids).containsExactlyElementsOf(IntStream.rangeClosed(1, 20).mapToObj(i -> "t-" + i).toList());
    assertThat(count("success")).isEqualTo(1);
    assertThat(availablePermits()).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void aPublisherStartsOnSubscribeAndHoldsTheServerBackUntilAsked(Channel channel) throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    service.onWatch = sendThenHold(5, cancelled);
    Watcher watcher = client(channel, policy().build()).build();

    Flow.Publisher<Ticket> publisher = watcher.watchTicketsAsync(WATCH);
    assertThat(service.watchCalls).hasValue(0);

    List<String> ids = new CopyOnWriteArrayList<>();
    AtomicReference<Flow.Subscription> subscription = new AtomicReference<>();
    CountDownLatch two = new CountDownLatch(2);
    publisher.subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        subscription.set(s);
        s.request(2);
      }

      @Override
      public void onNext(Ticket item) {
        ids.add(item.getId());
        two.countDown();
      }

      @Override
      public void onError(Throwable throwable) {}

      @Override
      public void onComplete() {}
    });
    assertThat(two.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(ids).containsExactly("t-1", "t-2"); // the other three wait in gRPC's flow control
    assertThat(availablePermits()).isEqualTo(1);

    subscription.get().cancel();

    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("server Context cancelled").isTrue();
    assertThat(ids).containsExactly("t-1", "t-2");
    assertThat(count("cancelled")).isEqualTo(1);
    assertThat(availablePermits()).isEqualTo(2);
    assertThat(failedCallsOnBreaker()).isZero();
  }

  @ParameterizedTest
  @MethodSource("channels")
  void closingAStreamEarlyCancelsTheServersContextAndIsNotAFailure(Channel channel) throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    service.onWatch = sendThenHold(3, cancelled);
    Watcher watcher = client(channel, policy().build()).build();

    Stream<Ticket> tickets = watcher.watchTickets(WATCH);
    Iterator<Ticket> it = tickets.iterator();
    assertThat(it.next().getId()).isEqualTo("t-1");
    assertThat(availablePermits()).isEqualTo(1);
    tickets.close();

    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("server Context cancelled").isTrue();
    assertThat(count("cancelled")).isEqualTo(1);
    assertThat(totalCalls()).isEqualTo(1);
    assertThat(availablePermits()).isEqualTo(2);
    assertThat(failedCallsOnBreaker()).isZero();
  }

  @ParameterizedTest
  @MethodSource("channels")
  void theDeadlineEndsAStreamThatKeepsGoing(Channel channel) throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    service.onWatch = sendForever(cancelled);
    Watcher watcher = client(channel, policy().timeout(Duration.ofMillis(1500)).build()).build();
    AtomicInteger received = new AtomicInteger();

    long start = System.nanoTime();
    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      assertThatThrownBy(() -> tickets.forEach(t -> received.incrementAndGet()))
          .isInstanceOf(RpcTimeoutException.class);
    }

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(received.get()).isGreaterThan(0);
    assertThat(cancelled.await(20, TimeUnit.SECONDS)).as("server Context cancelled").isTrue();
    assertThat(count("timeout")).isEqualTo(1);
    assertThat(availablePermits()).isEqualTo(2);
    assertThat(failedCallsOnBreaker()).isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void anIdleStreamTimesOutWhileTheCallTimeoutIsFarAway(Channel channel) throws Exception {
    CountDownLatch cancelled = new CountDownLatch(1);
    service.onWatch = sendThenHold(2, cancelled);
    Watcher watcher = client(channel, policy().timeout(Duration.ofSeconds(30))
        .streamIdleTimeout(Duration.ofMillis(200)).build()).build();

    long start = System.nanoTime();
    List<String> ids = new ArrayList<>();
    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      Iterator<Ticket> it = tickets.iterator();
      ids.add(it.next().getId());
      ids.add(it.next().getId());
      assertThatThrownBy(it::hasNext).isInstanceOf(RpcTimeoutException.class)
          .satisfies(e -> assertThat(((RpcTimeoutException) e).timeout()).isEqualTo(Duration.ofMillis(200)));
    }

    assertThat(ids).containsExactly("t-1", "t-2");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("server Context cancelled").isTrue();
    assertThat(count("timeout")).isEqualTo(1);
    assertThat(availablePermits()).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void withAnIdleTimeoutTheServerSeesNoWholeStreamDeadline(Channel channel) {
    AtomicInteger sent = new AtomicInteger();
    service.onWatch = (request, response) -> {
      // The server's deadline is far away: an idle timeout removes the whole-stream deadline.
      assertThat(Context.current().getDeadline().timeRemaining(TimeUnit.DAYS)).isGreaterThan(1);
      for (int i = 1; i <= 5; i++) {
        response.onNext(ticket(sent.incrementAndGet()));
      }
      response.onCompleted();
    };
    Watcher watcher = client(channel, policy().timeout(Duration.ofSeconds(10))
        .streamIdleTimeout(Duration.ofSeconds(10)).build()).build();

    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      assertThat(tickets.count()).isEqualTo(5);
    }
    assertThat(count("success")).isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void aFailureBeforeTheFirstMessageIsRetriedForANoSideEffectsRpc(Channel channel) {
    AtomicInteger calls = new AtomicInteger();
    WatchTicketsRequest request = WatchTicketsRequest.newBuilder().setFilter("retry-" + System.nanoTime()).build();
    service.onWatch = (received, response) -> {
      if (!received.equals(request)) {
        response.onCompleted(); // a late call of another test
      } else if (calls.incrementAndGet() == 1) {
        response.onError(Status.UNAVAILABLE.withDescription("warming up").asRuntimeException());
      } else {
        send(3).handle(received, response);
      }
    };
    Watcher watcher = client(channel, policy()
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build()).build()).build();

    try (Stream<Ticket> tickets = watcher.watchTickets(request)) {
      assertThat(tickets.map(Ticket::getId).toList()).containsExactly("t-1", "t-2", "t-3");
    }
    assertThat(calls).hasValue(2);
    assertThat(registry.get("rpc.client.attempts").tag("client", CLIENT).tag("method", "watchTickets").tag("kind", "retry").counter().count())
        .isEqualTo(1);
    assertThat(count("success")).isEqualTo(1);
    assertThat(availablePermits()).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void aFailureAfterTheFirstMessageIsNeitherRetriedNorAnsweredByTheFallback(Channel channel) {
    service.onWatch = (request, response) -> {
      response.onNext(ticket(1));
      response.onError(Status.UNAVAILABLE.withDescription("gone").asRuntimeException());
    };
    Watcher watcher = client(channel, policy()
        .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build()).build())
        .fallback(Fallbacks.value(List.of(ticket(99))))
        .build();

    List<String> ids = new ArrayList<>();
    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      assertThatThrownBy(() -> tickets.forEach(t -> ids.add(t.getId())))
          .isInstanceOf(RemoteCallException.class)
          .satisfies(e -> assertThat(((RemoteCallException) e).status()).isEqualTo("UNAVAILABLE"));
    }
    assertThat(ids).containsExactly("t-1");
    assertThat(service.watchCalls).hasValue(1);
    assertThat(count("failure")).isEqualTo(1);
    assertThat(failedCallsOnBreaker()).isEqualTo(1);
    assertThat(availablePermits()).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void aFallbackAnswersAStreamThatFailedBeforeItsFirstMessage(Channel channel) {
    service.onWatch = TestTicketService.failWith(Status.INTERNAL);
    Watcher watcher = client(channel, policy().build())
        .fallback(Fallbacks.value(List.of(ticket(7), ticket(8))))
        .build();

    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      assertThat(tickets.map(Ticket::getId).toList()).containsExactly("t-7", "t-8");
    }
    assertThat(count("failure")).isEqualTo(1);
    assertThat(registry.get("rpc.client.fallbacks").tag("client", CLIENT).tag("method", "watchTickets").counter().count()).isEqualTo(1);
    assertThat(availablePermits()).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void theCachedFallbackServesTheLastCompleteList(Channel channel) {
    Watcher watcher = client(channel, policy().build()).fallback(Fallbacks.cached()).build();
    service.onWatch = send(3);
    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      assertThat(tickets.count()).isEqualTo(3);
    }

    service.onWatch = TestTicketService.failWith(Status.UNAVAILABLE);
    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      assertThat(tickets.map(Ticket::getId).toList()).containsExactly("t-1", "t-2", "t-3");
    }
  }

  @ParameterizedTest
  @MethodSource("channels")
  void theCallersErrorIsThrownAndNotCounted(Channel channel) {
    service.onWatch = TestTicketService.failWith(Status.INVALID_ARGUMENT);
    Watcher watcher = client(channel, policy().build()).fallback(Fallbacks.value(List.of())).build();

    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      assertThatThrownBy(tickets::toList).isInstanceOf(RemoteCallException.class)
          .satisfies(e -> assertThat(((RemoteCallException) e).isClientError()).isTrue());
    }
    assertThat(count("client_error")).isEqualTo(1);
    assertThat(failedCallsOnBreaker()).isZero();
    assertThat(availablePermits()).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void aStreamHoldsItsPermitUntilItEnds(Channel channel) throws Exception {
    CountDownLatch cancelled = new CountDownLatch(2);
    service.onWatch = sendThenHold(1, cancelled);
    Watcher watcher = client(channel, policy().build()).build();

    Stream<Ticket> first = watcher.watchTickets(WATCH);
    Stream<Ticket> second = watcher.watchTickets(WATCH);
    assertThat(first.iterator().next().getId()).isEqualTo("t-1");
    // Both streams have reached the server (its handler has run) before they are closed.
    assertThat(second.iterator().next().getId()).isEqualTo("t-1");
    assertThat(availablePermits()).isZero();
    try (Stream<Ticket> third = watcher.watchTickets(WATCH)) {
      assertThatThrownBy(third::toList).isInstanceOf(BulkheadFullException.class);
    }
    assertThat(count("bulkhead_full")).isEqualTo(1);

    first.close();
    second.close();
    assertThat(availablePermits()).isEqualTo(2);
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(count("cancelled")).isEqualTo(2);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void aSecondSubscriberIsRefused(Channel channel) throws Exception {
    service.onWatch = send(1);
    Watcher watcher = client(channel, policy().build()).build();
    Flow.Publisher<Ticket> publisher = watcher.watchTicketsAsync(WATCH);
    publisher.subscribe(new Collecting());
    Collecting second = new Collecting();

    publisher.subscribe(second);

    assertThat(second.error.get()).isInstanceOf(IllegalStateException.class);
  }

  private static final class Collecting implements Flow.Subscriber<Ticket> {
    final AtomicReference<Throwable> error = new AtomicReference<>();

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(Ticket item) {}

    @Override
    public void onError(Throwable throwable) {
      error.set(throwable);
    }

    @Override
    public void onComplete() {}
  }
}
