package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.test.CreateTicketRequest;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import dev.rpcproxy.grpc.test.WatchTicketsRequest;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import java.util.concurrent.CompletableFuture;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Binding checks every method against the service at build(), with messages naming method and RPC. */
class GrpcBindingTest {
  private static final String SERVICE = "dev.rpcproxy.grpc.test.TicketService";
  private static final TestTicketService service = new TestTicketService();
  private static LocalServers servers;

  @BeforeAll
  static void start() {
    servers = LocalServers.inProcess(service);
  }

  @AfterAll
  static void stop() {
    servers.close();
  }

  private static GrpcTransport transport() {
    return GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build();
  }

  private static <T> T build(Class<T> api) {
    return RpcProxy.builder(api).transport(transport()).build();
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertBindingFails(Class<?> api) {
    return assertThatThrownBy(() -> build(api)).isInstanceOf(IllegalArgumentException.class);
  }

  interface UnknownRpc {
    Ticket deleteTicket(GetTicketRequest request);
  }

  @Test
  void unknownRpcIsNamedWithTheAvailableOnes() {
    assertBindingFails(UnknownRpc.class)
        .hasMessageContaining(UnknownRpc.class.getName() + ".deleteTicket")
        .hasMessageContaining(SERVICE + "/DeleteTicket")
        .hasMessageContaining("[ChatAboutTickets, CreateTicket, GetTicket, ImportTickets, WatchTickets]");
  }

  interface WrongRequest {
    Ticket createTicket(GetTicketRequest request);
  }

  @Test
  void wrongRequestTypeIsRejected() {
    assertBindingFails(WrongRequest.class)
        .hasMessageContaining(WrongRequest.class.getName() + ".createTicket")
        .hasMessageContaining(SERVICE + "/CreateTicket")
        .hasMessageContaining(GetTicketRequest.class.getName())
        .hasMessageContaining(CreateTicketRequest.class.getName());
  }

  interface WrongResponse {
    GetTicketRequest getTicket(GetTicketRequest request);
  }

  @Test
  void wrongResponseTypeIsRejected() {
    assertBindingFails(WrongResponse.class)
        .hasMessageContaining(WrongResponse.class.getName() + ".getTicket")
        .hasMessageContaining(SERVICE + "/GetTicket")
        .hasMessageContaining("response message is " + Ticket.class.getName());
  }

  interface WrongAsyncResponse {
    CompletableFuture<String> getTicketAsync(GetTicketRequest request);
  }

  @Test
  void wrongFutureValueTypeIsRejected() {
    assertBindingFails(WrongAsyncResponse.class)
        .hasMessageContaining(WrongAsyncResponse.class.getName() + ".getTicketAsync")
        .hasMessageContaining(SERVICE + "/GetTicket")
        .hasMessageContaining("CompletableFuture<java.lang.String>");
  }

  interface VoidResponse {
    void createTicket(CreateTicketRequest request);
  }

  @Test
  void voidIsNotTheResponseMessage() {
    assertBindingFails(VoidResponse.class)
        .hasMessageContaining(VoidResponse.class.getName() + ".createTicket")
        .hasMessageContaining(SERVICE + "/CreateTicket");
  }

  interface Streaming {
    Ticket watchTickets(WatchTicketsRequest request);
  }

  @Test
  void aServerStreamingRpcNeedsAStreamOrPublisher() {
    assertBindingFails(Streaming.class)
        .hasMessageContaining(Streaming.class.getName() + ".watchTickets")
        .hasMessageContaining(SERVICE + "/WatchTickets")
        .hasMessageContaining("SERVER_STREAMING")
        .hasMessageContaining("declare Stream<Ticket> (blocking) or Flow.Publisher<Ticket>");
  }

  interface StreamOfUnary {
    java.util.stream.Stream<Ticket> getTicket(GetTicketRequest request);
  }

  @Test
  void aStreamNeedsAServerStreamingRpc() {
    assertBindingFails(StreamOfUnary.class)
        .hasMessageContaining(StreamOfUnary.class.getName() + ".getTicket")
        .hasMessageContaining(SERVICE + "/GetTicket")
        .hasMessageContaining("needs a SERVER_STREAMING RPC");
  }

  interface WrongMessage {
    java.util.concurrent.Flow.Publisher<CreateTicketRequest> watchTickets(WatchTicketsRequest request);
  }

  @Test
  void aStreamsMessageTypeIsChecked() {
    assertBindingFails(WrongMessage.class)
        .hasMessageContaining(WrongMessage.class.getName() + ".watchTickets")
        .hasMessageContaining("declare Publisher<Ticket>");
  }

  interface ClientStreaming {
    Ticket importTickets(Ticket ticket);
  }

  interface Bidirectional {
    java.util.stream.Stream<Ticket> chatAboutTickets(Ticket ticket);
  }

  @Test
  void clientStreamingAndBidirectionalRpcsAreRejected() {
    assertBindingFails(ClientStreaming.class)
        .hasMessageContaining(ClientStreaming.class.getName() + ".importTickets")
        .hasMessageContaining(SERVICE + "/ImportTickets")
        .hasMessageContaining("client-streaming and bidirectional RPCs are not supported");
    assertBindingFails(Bidirectional.class)
        .hasMessageContaining(Bidirectional.class.getName() + ".chatAboutTickets")
        .hasMessageContaining(SERVICE + "/ChatAboutTickets")
        .hasMessageContaining("client-streaming and bidirectional RPCs are not supported");
  }

  interface TwoParameters {
    Ticket createTicket(CreateTicketRequest request, String comment);
  }

  interface NoParameter {
    Ticket createTicket();
  }

  @Test
  void exactlyOneParameterIsRequired() {
    assertBindingFails(TwoParameters.class)
        .hasMessageContaining(TwoParameters.class.getName() + ".createTicket")
        .hasMessageContaining(SERVICE + "/CreateTicket")
        .hasMessageContaining("exactly one parameter");
    assertBindingFails(NoParameter.class)
        .hasMessageContaining(NoParameter.class.getName() + ".createTicket")
        .hasMessageContaining("exactly one parameter");
  }

  interface Renamed {
    @GrpcMethod("CreateTicket")
    Ticket open(CreateTicketRequest request);

    @GrpcMethod(SERVICE + "/GetTicket")
    CompletableFuture<Ticket> lookUp(GetTicketRequest request);
  }

  @Test
  void grpcMethodOverridesTheRpcName() {
    Renamed client = build(Renamed.class);

    assertThat(client.open(CreateTicketRequest.newBuilder().setTitle("renamed").build()).getTitle())
        .isEqualTo("renamed");
    assertThat(client.lookUp(GetTicketRequest.newBuilder().setId("t-3").build()).join().getId())
        .isEqualTo("t-3");
  }

  interface RenamedToNothing {
    @GrpcMethod("DeleteTicket")
    Ticket open(CreateTicketRequest request);
  }

  interface RenamedToOtherService {
    @GrpcMethod("other.Service/CreateTicket")
    Ticket open(CreateTicketRequest request);
  }

  @Test
  void grpcMethodNamingNoRpcIsRejected() {
    assertBindingFails(RenamedToNothing.class)
        .hasMessageContaining(RenamedToNothing.class.getName() + ".open")
        .hasMessageContaining(SERVICE + "/DeleteTicket")
        .hasMessageContaining("[ChatAboutTickets, CreateTicket, GetTicket, ImportTickets, WatchTickets]");
    assertBindingFails(RenamedToOtherService.class)
        .hasMessageContaining(RenamedToOtherService.class.getName() + ".open")
        .hasMessageContaining("other.Service/CreateTicket")
        .hasMessageContaining(SERVICE);
  }

  @Test
  void idempotencyComesFromTheRpcsIdempotencyLevel() throws Exception {
    GrpcTransport transport = transport();

    BoundMethod get = transport.bind(context("getTicket", GetTicketRequest.class, Ticket.class, false));
    BoundMethod getAsync = transport.bind(context("getTicketAsync", GetTicketRequest.class, Ticket.class, true));
    BoundMethod create = transport.bind(context("createTicket", CreateTicketRequest.class, Ticket.class, false));

    assertThat(get.isIdempotent()).as("NO_SIDE_EFFECTS").isTrue();
    assertThat(getAsync.isIdempotent()).isTrue();
    assertThat(create.isIdempotent()).isFalse();
  }

  private static MethodContext context(String name, Class<?> request, Class<?> value, boolean async)
      throws NoSuchMethodException {
    return new MethodContext("tickets", TicketClient.class, TicketClient.class.getMethod(name, request),
        async ? dev.rpcproxy.spi.CallShape.ASYNC : dev.rpcproxy.spi.CallShape.BLOCKING, value);
  }
}
