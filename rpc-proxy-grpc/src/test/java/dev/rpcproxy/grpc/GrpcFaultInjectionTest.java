package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.FaultInjection;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import dev.rpcproxy.grpc.test.WatchTicketsRequest;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Faults on a gRPC server stream: decided before the stream opens, never reaching the server. */
class GrpcFaultInjectionTest {
  private static final WatchTicketsRequest WATCH = WatchTicketsRequest.newBuilder().setFilter("open").build();
  private static final TestTicketService service = new TestTicketService();
  private static LocalServers servers;

  interface Watcher {
    Stream<Ticket> watchTickets(WatchTicketsRequest request);
  }

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
    service.onWatch = (request, response) -> {
      response.onNext(Ticket.newBuilder().setId("t-1").build());
      response.onCompleted();
    };
  }

  private Watcher client(FaultInjection faults, Duration timeout) {
    return RpcProxy.builder(Watcher.class).name("watcher")
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(timeout).faults(faults).build())
        .build();
  }

  @Test
  void anAbortedStreamFailsBeforeAnyMessageAndTheServerNeverSeesIt() {
    Watcher watcher = client(FaultInjection.builder().abort(100, "UNAVAILABLE").build(), Duration.ofSeconds(5));
    assertThatThrownBy(() -> {
      try (Stream<Ticket> tickets = watcher.watchTickets(WATCH)) {
        tickets.toList();
      }
    }).isInstanceOf(RemoteCallException.class);
    assertThat(service.watchCalls).hasValue(0);
  }

  @Test
  void aDelayedStreamOpensAfterItsDelayAndOneLongerThanTheDeadlineIsNeverOpened() {
    Watcher delayed = client(FaultInjection.builder().delay(Duration.ofMillis(50), 100).build(), Duration.ofSeconds(5));
    long start = System.nanoTime();
    try (Stream<Ticket> tickets = delayed.watchTickets(WATCH)) {
      List<Ticket> all = tickets.toList();
      assertThat(all).hasSize(1);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(50));
    assertThat(service.watchCalls).hasValue(1);

    Watcher tooLate = client(FaultInjection.builder().delay(Duration.ofSeconds(30), 100).build(), Duration.ofMillis(100));
    assertThatThrownBy(() -> {
      try (Stream<Ticket> tickets = tooLate.watchTickets(WATCH)) {
        tickets.toList();
      }
    }).isInstanceOf(RpcTimeoutException.class);
    assertThat(service.watchCalls).hasValue(1);
  }
}
