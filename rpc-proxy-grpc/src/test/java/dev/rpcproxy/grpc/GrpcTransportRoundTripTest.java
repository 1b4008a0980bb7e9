package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.test.CreateTicketRequest;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import io.grpc.Channel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Blocking and non-blocking calls reach the service and return its answer, in-process and over Netty. */
class GrpcTransportRoundTripTest {
  private static final TestTicketService service = new TestTicketService();
  private static LocalServers inProcess;
  private static LocalServers netty;

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

  private static TicketClient client(Channel channel) {
    return RpcProxy.builder(TicketClient.class)
        .transport(GrpcTransport.builder(channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(5)).build())
        .build();
  }

  @ParameterizedTest
  @MethodSource("channels")
  void blockingCallsReturnTheServiceAnswer(Channel channel) {
    TicketClient tickets = client(channel);

    Ticket created = tickets.createTicket(CreateTicketRequest.newBuilder().setTitle("printer on fire").build());
    Ticket found = tickets.getTicket(GetTicketRequest.newBuilder().setId("t-7").build());

    assertThat(created.getTitle()).isEqualTo("printer on fire");
    assertThat(created.getId()).isEqualTo("t-1");
    assertThat(found.getId()).isEqualTo("t-7");
    assertThat(found.getTitle()).isEqualTo("found");
    assertThat(service.createCalls).hasValue(1);
    assertThat(service.getCalls).hasValue(1);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void asyncCallsCompleteWithTheServiceAnswer(Channel channel) throws Exception {
    TicketClient tickets = client(channel);

    Ticket created = tickets.createTicketAsync(CreateTicketRequest.newBuilder().setTitle("no coffee").build())
        .get(5, TimeUnit.SECONDS);
    Ticket found = tickets.getTicketAsync(GetTicketRequest.newBuilder().setId("t-9").build())
        .get(5, TimeUnit.SECONDS);

    assertThat(created.getTitle()).isEqualTo("no coffee");
    assertThat(found.getId()).isEqualTo("t-9");
    assertThat(service.createCalls).hasValue(1);
    assertThat(service.getCalls).hasValue(1);
  }

  @ParameterizedTest
  @MethodSource("channels")
  void everyCallCarriesTheClientsDeadlineToTheServer(Channel channel) {
    TicketClient tickets = client(channel);

    tickets.getTicket(GetTicketRequest.newBuilder().setId("t-1").build());
    tickets.getTicketAsync(GetTicketRequest.newBuilder().setId("t-2").build()).join();

    assertThat(service.callsWithoutDeadline).hasValue(0);
    assertThat(service.deadlines).hasSize(2).allSatisfy(deadline -> assertThat(
        deadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 5_000L));
  }
}
