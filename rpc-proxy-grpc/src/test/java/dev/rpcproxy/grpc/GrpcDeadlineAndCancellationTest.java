package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.grpc.test.CreateTicketRequest;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A timeout stops the work: the deadline travels to the server (over Netty, as in production),
 * the server's {@code Context} is cancelled when it passes, and cancelling a future cancels the RPC.
 */
class GrpcDeadlineAndCancellationTest {
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  private static final TestTicketService service = new TestTicketService();
  private static LocalServers servers;

  private final CountDownLatch arrived = new CountDownLatch(1);
  private final CountDownLatch cancelled = new CountDownLatch(1);
  private TicketClient tickets;

  @BeforeAll
  static void start() {
    servers = LocalServers.netty(service);
  }

  @AfterAll
  static void stop() {
    servers.close();
  }

  @BeforeEach
  void setUp() {
    service.reset();
    service.onGet = TestTicketService.holdUntilCancelled(arrived, cancelled);
    service.onCreate = TestTicketService.holdUntilCancelled(arrived, cancelled);
    tickets = RpcProxy.builder(TicketClient.class)
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(TIMEOUT).build())
        .build();
  }

  @Test
  void blockingCallPastItsDeadlineThrowsTimeoutAndCancelsTheServerContext() throws Exception {
    assertThatThrownBy(() -> tickets.getTicket(GetTicketRequest.newBuilder().setId("t-1").build()))
        .isInstanceOfSatisfying(RpcTimeoutException.class, e -> {
          assertThat(e.timeout()).isEqualTo(TIMEOUT);
          assertThat(e.client()).isEqualTo("TicketClient");
          assertThat(e.method()).isEqualTo("getTicket");
          assertThat(e).hasCauseInstanceOf(StatusRuntimeException.class);
          assertThat(((StatusRuntimeException) e.getCause()).getStatus().getCode())
              .isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        });

    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("server context cancelled").isTrue();
    assertThat(service.callsWithoutDeadline).hasValue(0);
    assertThat(service.deadlines).hasSize(1);
    // The server's deadline is the client's 300 ms (plus transit), so it passes soon after.
    await().atMost(Duration.ofSeconds(2)).until(service.deadlines.peek()::isExpired);
  }

  @Test
  void asyncCallPastItsDeadlineFailsWithTimeoutAndCancelsTheServerContext() throws Exception {
    CompletableFuture<Ticket> future =
        tickets.createTicketAsync(CreateTicketRequest.newBuilder().setTitle("slow").build());

    assertThatThrownBy(() -> future.get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(RpcTimeoutException.class);
    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("server context cancelled").isTrue();
    assertThat(service.deadlines).hasSize(1);
  }

  @Test
  void cancellingTheFutureCancelsTheCallOnTheServer() throws Exception {
    tickets = RpcProxy.builder(TicketClient.class)
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(30)).build())
        .build();
    CompletableFuture<Ticket> future =
        tickets.createTicketAsync(CreateTicketRequest.newBuilder().setTitle("never mind").build());
    assertThat(arrived.await(5, TimeUnit.SECONDS)).as("call reached the server").isTrue();

    assertThat(future.cancel(true)).isTrue();

    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("server context cancelled").isTrue();
    assertThat(future).isCancelled();
    assertThatThrownBy(future::join).isInstanceOf(CancellationException.class);
    assertThat(service.createCalls).hasValue(1);
  }

  @Test
  void interruptingABlockingCallCancelsTheRpc() throws Exception {
    tickets = RpcProxy.builder(TicketClient.class)
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(30)).build())
        .build();
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    Thread caller = new Thread(() -> {
      try {
        tickets.getTicket(GetTicketRequest.newBuilder().setId("t-1").build());
        thrown.complete(null);
      } catch (Throwable t) {
        thrown.complete(t);
      }
    }, "blocked-caller");
    caller.start();
    assertThat(arrived.await(5, TimeUnit.SECONDS)).as("call reached the server").isTrue();

    caller.interrupt();

    assertThat(cancelled.await(5, TimeUnit.SECONDS)).as("server context cancelled").isTrue();
    assertThat(thrown.get(5, TimeUnit.SECONDS)).isInstanceOfSatisfying(RpcTransportException.class,
        e -> assertThat(e.isRetryable()).isFalse());
    caller.join(5_000);
  }
}
