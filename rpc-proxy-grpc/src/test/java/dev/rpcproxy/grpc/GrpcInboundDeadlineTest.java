package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.Deadlines;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deadlines travel: a call made inside a gRPC handler (a {@code Context} with a deadline) ends by
 * that deadline, whatever the client's own timeout, and a gRPC call carries it downstream.
 */
class GrpcInboundDeadlineTest {
  private static final TestTicketService service = new TestTicketService();
  private static LocalServers servers;
  private static final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  private TicketClient tickets;

  @BeforeAll
  static void start() {
    servers = LocalServers.netty(service);
  }

  @AfterAll
  static void stop() {
    servers.close();
    scheduler.shutdownNow();
  }

  @BeforeEach
  void setUp() {
    service.reset();
    tickets = RpcProxy.builder(TicketClient.class)
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(60)).build())
        .build();
    // Connect first: on a loaded machine the channel's first connection alone can outlast the
    // short inbound deadlines below (seen: 1.2 s buffered waiting for it).
    tickets.getTicket(GetTicketRequest.newBuilder().setId("warm-up").build());
    service.reset();
  }

  @Test
  void aCallInsideAHandlersContextCarriesItsDeadlineDownstream() throws Exception {
    Context.CancellableContext inbound = Context.current().withDeadline(Deadline.after(20, TimeUnit.SECONDS), scheduler);
    try {
      inbound.call(() -> tickets.getTicket(GetTicketRequest.newBuilder().setId("t-1").build()));
    } finally {
      inbound.cancel(null);
    }
    Deadline seen = service.deadlines.poll();
    assertThat(seen).as("deadline seen by the downstream server").isNotNull();
    // The inbound 20 s, not the client's own 60 s.
    assertThat(seen.timeRemaining(TimeUnit.SECONDS)).isLessThanOrEqualTo(20);
  }

  @Test
  void aCallInsideAHandlersContextEndsByItsDeadline() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    service.onGet = TestTicketService.holdUntilCancelled(arrived, cancelled);
    Context.CancellableContext inbound = Context.current().withDeadline(Deadline.after(200, TimeUnit.MILLISECONDS), scheduler);
    long start = System.nanoTime();
    try {
      assertThatThrownBy(() -> inbound.call(() -> tickets.getTicket(GetTicketRequest.newBuilder().setId("t-2").build())))
          .isInstanceOf(RpcTimeoutException.class);
    } finally {
      inbound.cancel(null);
    }
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(took).as("ms, against a 60 s client timeout").isLessThan(30_000);
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("downstream work stopped").isTrue();
  }

  @Test
  void deadlinesSeesTheContextDeadline() throws Exception {
    Context.CancellableContext inbound = Context.current().withDeadline(Deadline.after(1, TimeUnit.SECONDS), scheduler);
    try {
      Duration left = inbound.call(() -> Deadlines.timeLeft().orElseThrow());
      assertThat(left).isLessThanOrEqualTo(Duration.ofSeconds(1)).isPositive();
    } finally {
      inbound.cancel(null);
    }
    assertThat(Deadlines.timeLeft()).isEmpty();
  }
}
