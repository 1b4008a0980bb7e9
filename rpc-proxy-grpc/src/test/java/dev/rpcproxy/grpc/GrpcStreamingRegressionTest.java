package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import dev.rpcproxy.grpc.test.WatchTicketsRequest;
import io.grpc.Status;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Streaming behaviours found while adding streams to the chaos harness that break a documented
 * promise; each failed before its fix in {@code internal/StreamCall.java}.
 */
class GrpcStreamingRegressionTest {
  private static final String CLIENT = "watcher";
  private static final WatchTicketsRequest WATCH = WatchTicketsRequest.newBuilder().setFilter("open").build();
  private static final TestTicketService service = new TestTicketService();
  private static LocalServers servers;

  interface Watcher {
    Stream<Ticket> watchTickets(WatchTicketsRequest request);

    Flow.Publisher<Ticket> watchTicketsAsync(WatchTicketsRequest request);
  }

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

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

  private RpcProxy.Builder<Watcher> client() {
    return RpcProxy.builder(Watcher.class)
        .name(CLIENT)
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(5)).maxConcurrentCalls(2).build())
        .meterRegistry(registry);
  }

  /**
   * A subscriber may cancel in {@code onSubscribe}. The stream never starts, and its one
   * {@code rpc.client.calls} sample should say so; {@code StreamCall.cancel()} records it as
   * {@code now - start} while {@code start} is still 0 ({@code begin()} never ran), so the sample's
   * duration is the time source's raw reading: the machine's uptime with the system clock.
   */
  @Test
  void aStreamCancelledInOnSubscribeIsRecordedWithoutABogusDuration() {
    Watcher watcher = client().build();

    watcher.watchTicketsAsync(WATCH).subscribe(new Flow.Subscriber<>() {
      @Override
      public void onSubscribe(Flow.Subscription s) {
        s.cancel();
      }

      @Override
      public void onNext(Ticket item) {}

      @Override
      public void onError(Throwable throwable) {}

      @Override
      public void onComplete() {}
    });

    Timer cancelled = registry.get("rpc.client.calls").tag("client", CLIENT).tag("method", "watchTicketsAsync")
        .tag("outcome", "cancelled").timer();
    assertThat(cancelled.count()).isEqualTo(1);
    assertThat(service.watchCalls).hasValue(0);
    assertThat(cancelled.totalTime(TimeUnit.MILLISECONDS)).as("duration of a stream that never started")
        .isLessThan(1_000);
  }

  /**
   * docs/grpc.md: "{@code Fallbacks.cached()} learns each stream that completed with at most 1,000
   * messages, as a {@code List}". A stream that completed with none is such a stream, but
   * {@code StreamCall} creates its list of remembered messages on the first message and tells the
   * fallback only when the list exists: the empty answer is not learnt, and a later failure is
   * answered with the older, non-empty list the service has since replaced.
   */
  @Test
  void aStreamThatCompletedEmptyReplacesTheCachedList() {
    Watcher watcher = client().fallback(Fallbacks.cached()).build();
    service.onWatch = (request, response) -> {
      for (int i = 1; i <= 3; i++) {
        response.onNext(Ticket.newBuilder().setId("t-" + i).build());
      }
      response.onCompleted();
    };
    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      assertThat(tickets.count()).isEqualTo(3);
    }
    service.onWatch = (request, response) -> response.onCompleted(); // no open tickets any more
    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      assertThat(tickets.count()).isZero();
    }

    service.onWatch = TestTicketService.failWith(Status.UNAVAILABLE);
    List<String> answer;
    try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
      answer = tickets.map(Ticket::getId).toList();
    }

    assertThat(answer).as("the fallback's answer: the last complete list, which was empty").isEmpty();
  }
}
