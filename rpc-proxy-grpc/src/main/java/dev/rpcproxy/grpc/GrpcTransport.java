package dev.rpcproxy.grpc;

import dev.rpcproxy.grpc.internal.ServiceBinder;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import dev.rpcproxy.spi.Transport;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ServiceDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Calls the unary and server-streaming RPCs of a grpc-java service through a plain interface.
 *
 * <pre>{@code
 * interface TicketClient {
 *   Ticket createTicket(CreateTicketRequest request);                        // RPC CreateTicket
 *   CompletableFuture<Ticket> createTicketAsync(CreateTicketRequest request);  // same RPC, non-blocking
 *   @GrpcMethod("GetTicket") Ticket fetch(GetTicketRequest request);         // explicit RPC name
 *   Stream<Ticket> watchTickets(WatchTicketsRequest request);                // server-streaming RPC
 *   Flow.Publisher<Ticket> watchTicketsAsync(WatchTicketsRequest request);   // same, non-blocking
 * }
 *
 * TicketClient tickets = RpcProxy.builder(TicketClient.class)
 *     .transport(GrpcTransport.builder(channel, TicketServiceGrpc.getServiceDescriptor())
 *         .callOptions(o -> o.withCompression("gzip"))
 *         .build())
 *     .policy(Policy.builder().timeout(Duration.ofMillis(300)).build())
 *     .build();
 * }</pre>
 *
 * <p><b>Binding.</b> A method {@code createTicket}, or {@code createTicketAsync} returning
 * {@code CompletableFuture}, calls the RPC {@code CreateTicket} unless {@link GrpcMethod} names
 * another. It takes exactly one parameter, the request message, and returns the response message.
 * A server-streaming RPC binds to a method returning {@code java.util.stream.Stream<Response>}
 * (read on the caller's thread; closing it cancels the RPC) or {@code Flow.Publisher<Response>}
 * (one subscriber; {@code request(n)} is gRPC flow control; cancelling cancels the RPC); the
 * streaming rules (deadline or {@code Policy.streamIdleTimeout}, permit held to the end, retries
 * and fallbacks only before the first message) are in docs/grpc.md. Client-streaming and
 * bidirectional RPCs are not supported: {@code build()} says so. A method is idempotent (may be retried) when its RPC declares
 * {@code option idempotency_level} {@code IDEMPOTENT} or {@code NO_SIDE_EFFECTS}, or when the
 * method is annotated {@code @Idempotent}.
 *
 * <p><b>Calls.</b> Blocking methods run on the caller's thread; an interrupt cancels the RPC.
 * Each attempt sends the time left before the call's deadline as its gRPC deadline, so the server
 * sees it and both sides stop when it passes; a shorter deadline of the caller's
 * {@code io.grpc.Context} (an incoming RPC being served) still applies, as grpc-java ensures.
 * Cancelling a returned future cancels the RPC. The channel is the caller's: {@link #close()}
 * leaves it open.
 *
 * <p><b>Failures</b> ({@code status()} is the gRPC code name; the status description, at most 256
 * characters, is the {@code detail}; the gRPC exception is the cause):
 * <table>
 *   <caption>gRPC status to rpc-proxy exception</caption>
 *   <tr><th>status</th><th>thrown</th></tr>
 *   <tr><td>DEADLINE_EXCEEDED</td><td>{@code RpcTimeoutException} when this call's deadline
 *       passed; while this call still has time left it was the server's own deadline (a slow
 *       downstream): a {@code RemoteCallException}, a failure, not retried</td></tr>
 *   <tr><td>INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, PERMISSION_DENIED, UNAUTHENTICATED,
 *       FAILED_PRECONDITION, OUT_OF_RANGE, UNIMPLEMENTED</td><td>{@code RemoteCallException},
 *       {@code isClientError()}: the caller's error, not counted, not retried, no fallback</td></tr>
 *   <tr><td>UNAVAILABLE, ABORTED</td><td>{@code RemoteCallException}, a retryable failure</td></tr>
 *   <tr><td>RESOURCE_EXHAUSTED</td><td>{@code RemoteCallException}, a failure; retryable only when
 *       the server sent a non-negative {@code grpc-retry-pushback-ms}</td></tr>
 *   <tr><td>INTERNAL, UNKNOWN, DATA_LOSS, CANCELLED (by the server or a cancelled
 *       {@code io.grpc.Context}), any other</td><td>{@code RemoteCallException}, a failure, not
 *       retryable</td></tr>
 *   <tr><td>not a gRPC status (e.g. a marshaller's exception)</td><td>{@code RpcTransportException},
 *       not retryable; an interrupted blocking call also ends so</td></tr>
 * </table>
 * A {@code grpc-retry-pushback-ms} trailer on a service failure sets {@code retryAfter()} when
 * non-negative, and forbids a retry when negative or unreadable. Metadata values are never logged
 * or put in messages.
 */
public final class GrpcTransport implements Transport {
  private final ServiceDescriptor service;
  private final Channel channel;
  private final CallOptions callOptions;
  private final ServiceBinder binder;

  private GrpcTransport(Builder b) {
    this.service = b.service;
    this.channel = b.interceptors.isEmpty() ? b.channel : ClientInterceptors.intercept(b.channel, b.interceptors);
    CallOptions options = b.callOptions.apply(CallOptions.DEFAULT);
    if (options == null) {
      throw new IllegalArgumentException("callOptions(...) returned null for service " + service.getName());
    }
    this.callOptions = options;
    this.binder = new ServiceBinder(service);
  }

  /**
   * A builder for a transport calling {@code service} over {@code channel}.
   *
   * @param channel usually a {@code ManagedChannel}; the caller keeps it and shuts it down
   * @param service the generated {@code XxxGrpc.getServiceDescriptor()}
   * @throws NullPointerException if either is null
   */
  public static Builder builder(Channel channel, ServiceDescriptor service) {
    return new Builder(Objects.requireNonNull(channel, "channel"), Objects.requireNonNull(service, "service"));
  }

  /**
   * Binds one interface method to its unary or server-streaming RPC.
   *
   * @throws IllegalArgumentException naming the method and the RPC: no such RPC (the message
   *     lists the available ones), a client-streaming or bidirectional RPC, a {@code Stream} or
   *     {@code Flow.Publisher} return type on a unary RPC or the reverse, not exactly one
   *     parameter, or a parameter or return type that is not the RPC's request or response message
   */
  @Override
  public BoundMethod bind(MethodContext method) {
    return binder.bind(method, channel, callOptions);
  }

  @Override
  public String toString() {
    return "GrpcTransport[" + service.getName() + "]";
  }

  /** Configures a {@link GrpcTransport}; every setting is optional. */
  public static final class Builder {
    private final Channel channel;
    private final ServiceDescriptor service;
    private UnaryOperator<CallOptions> callOptions = UnaryOperator.identity();
    private final List<ClientInterceptor> interceptors = new ArrayList<>();

    private Builder(Channel channel, ServiceDescriptor service) {
      this.channel = channel;
      this.service = service;
    }

    /**
     * Customises the {@link CallOptions} of every call: compression, call credentials, executor,
     * custom options. Applied once at {@link #build()} to {@link CallOptions#DEFAULT}; several
     * calls apply in order. Each attempt then sets its own deadline, replacing any deadline set
     * here. Default: {@code CallOptions.DEFAULT}.
     *
     * @throws NullPointerException if {@code customizer} is null
     */
    public Builder callOptions(UnaryOperator<CallOptions> customizer) {
      Objects.requireNonNull(customizer, "customizer");
      UnaryOperator<CallOptions> before = callOptions;
      callOptions = options -> customizer.apply(before.apply(options));
      return this;
    }

    /**
     * Adds interceptors around the channel, as {@link ClientInterceptors#intercept(Channel,
     * ClientInterceptor...)} does: the last one added runs first. Default: none.
     *
     * @throws NullPointerException if any is null
     */
    public Builder interceptors(ClientInterceptor... interceptors) {
      for (ClientInterceptor interceptor : Objects.requireNonNull(interceptors, "interceptors")) {
        Objects.requireNonNull(interceptor, "interceptor");
      }
      this.interceptors.addAll(Arrays.asList(interceptors));
      return this;
    }

    /**
     * The transport, ready to hand to {@code RpcProxy.Builder.transport}.
     *
     * @throws IllegalArgumentException if a {@link #callOptions} customizer returned null
     */
    public GrpcTransport build() {
      return new GrpcTransport(this);
    }
  }
}
