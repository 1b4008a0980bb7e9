package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.HedgePolicy;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** gRPC hedging over Netty: the hedge answers, the server sees the loser's Context cancelled. */
class GrpcHedgingTest {
  private static final TestTicketService service = new TestTicketService();
  private static LocalServers servers;

  @BeforeAll
  static void start() {
    servers = LocalServers.netty(service);
  }

  @AfterAll
  static void stop() {
    servers.close();
  }

  @Test
  void aStuckFirstAttemptIsAnsweredByTheHedgeAndTheLoserIsCancelled() throws Exception {
    service.reset();
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    TestTicketService.Handler<GetTicketRequest> hold = TestTicketService.holdUntilCancelled(arrived, cancelled);
    service.onGet = (request, response) -> {
      if (calls.getAndIncrement() == 0) {
        hold.handle(request, response);
      } else {
        response.onNext(Ticket.newBuilder().setId(request.getId()).build());
        response.onCompleted();
      }
    };
    TicketClient tickets = RpcProxy.builder(TicketClient.class)
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(5))
            .hedge(HedgePolicy.builder().maxAttempts(2).delay(Duration.ofMillis(50)).build()).build())
        .build();

    long start = System.nanoTime();
    Ticket ticket = tickets.getTicket(GetTicketRequest.newBuilder().setId("t-9").build());

    assertThat(ticket.getId()).isEqualTo("t-9");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms, 5 s deadline").isLessThan(2_000);
    assertThat(calls.get()).isEqualTo(2);
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("the loser's server Context was cancelled").isTrue();
  }
}
