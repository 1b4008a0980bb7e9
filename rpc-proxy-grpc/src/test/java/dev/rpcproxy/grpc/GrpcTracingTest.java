package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Traces over gRPC through a real bridge (Micrometer Tracing + Brave): the server's metadata carries the client's trace. */
class GrpcTracingTest {
  private final List<MutableSpan> spans = new CopyOnWriteArrayList<>();
  private final List<Metadata> received = new CopyOnWriteArrayList<>();
  private final Tracing tracing = Tracing.newBuilder()
      .currentTraceContext(ThreadLocalCurrentTraceContext.create())
      .addSpanHandler(new SpanHandler() {
        @Override
        public boolean end(TraceContext context, MutableSpan span, Cause cause) {
          spans.add(span);
          return true;
        }
      })
      .build();
  private final LocalServers servers = LocalServers.inProcess(new TestTicketService(), new ServerInterceptor() {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
        ServerCallHandler<Q, A> next) {
      received.add(headers);
      return next.startCall(call, headers);
    }
  });

  @AfterEach
  void tearDown() {
    servers.close();
    tracing.close();
  }

  private final BraveTracer tracer = new BraveTracer(tracing.tracer(),
      new BraveCurrentTraceContext(tracing.currentTraceContext()), new BraveBaggageManager());

  private TicketClient tracedClient() {
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
        new PropagatingSenderTracingObservationHandler<>(tracer, new BravePropagator(tracing)),
        new DefaultTracingObservationHandler(tracer)));
    return RpcProxy.builder(TicketClient.class).name("tickets")
        .transport(GrpcTransport.builder(servers.channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .observationRegistry(observations)
        .policy(Policy.builder().timeout(Duration.ofSeconds(5)).build())
        .build();
  }

  /**
   * Issue 23: inside the caller's span (every traced server request), the first attempt is a child
   * of its call, not a sibling of it; the call is the child of the caller's span.
   */
  @ParameterizedTest(name = "async={0}")
  @ValueSource(booleans = {false, true})
  void insideTheCallersSpanTheAttemptIsAChildOfItsCall(boolean async) throws Exception {
    TicketClient tickets = tracedClient();
    GetTicketRequest request = GetTicketRequest.newBuilder().setId("t-1").build();
    Span caller = tracer.nextSpan().name("caller").start();
    try (Tracer.SpanInScope scope = tracer.withSpan(caller)) {
      if (async) {
        tickets.getTicketAsync(request).get(5, TimeUnit.SECONDS);
      } else {
        tickets.getTicket(request);
      }
    } finally {
      caller.end();
    }

    MutableSpan attempt = spans.stream().filter(s -> s.name().endsWith(" first")).findFirst().orElseThrow();
    MutableSpan call = spans.stream().filter(s -> s.name().equals(async ? "tickets.getTicketAsync" : "tickets.getTicket")).findFirst().orElseThrow();
    assertThat(call.parentId()).isEqualTo(caller.context().spanId());
    assertThat(attempt.parentId()).isEqualTo(call.id());
    assertThat(attempt.traceId()).isEqualTo(caller.context().traceId());
  }

  @Test
  void theServerReceivesTheClientsTraceInMetadata() {
    TicketClient tickets = tracedClient();

    tickets.getTicket(GetTicketRequest.newBuilder().setId("t-1").build());

    // The tracing handler names spans after the Observation's contextual name, in its own case.
    assertThat(spans).hasSize(2);
    MutableSpan attempt = spans.stream().filter(s -> s.name().endsWith(" first")).findFirst().orElseThrow();
    MutableSpan call = spans.stream().filter(s -> s != attempt).findFirst().orElseThrow();
    assertThat(attempt.parentId()).isEqualTo(call.id());
    assertThat(call.tags()).containsEntry("client", "tickets").containsEntry("method", "getTicket")
        .containsEntry("outcome", "success");
    assertThat(received).hasSize(1);
    Metadata headers = received.get(0);
    String b3 = headers.get(Metadata.Key.of("b3", Metadata.ASCII_STRING_MARSHALLER));
    String traceId = b3 != null ? b3.split("-")[0]
        : headers.get(Metadata.Key.of("x-b3-traceid", Metadata.ASCII_STRING_MARSHALLER));
    assertThat(traceId).isEqualTo(call.traceId());
  }
}
