package dev.rpcproxy.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import brave.Tracing;
import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.ThreadLocalCurrentTraceContext;
import brave.propagation.TraceContext;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.brave.bridge.BraveBaggageManager;
import io.micrometer.tracing.brave.bridge.BraveCurrentTraceContext;
import io.micrometer.tracing.brave.bridge.BravePropagator;
import io.micrometer.tracing.brave.bridge.BraveTracer;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingSenderTracingObservationHandler;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import io.micrometer.observation.Observation;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Traces through a real bridge (Micrometer Tracing over Brave, B3 propagation): the server
 * receives the client's trace id, and a retried call shows as two attempt spans under one call span.
 */
class TracingTest {
  interface Menu {
    @GET @Path("/menu")
    String menu();

    @GET @Path("/menu")
    CompletableFuture<String> menuAsync();
  }

  private final WireMockServer wm = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
  private final List<MutableSpan> spans = new CopyOnWriteArrayList<>();
  private Tracing tracing;
  private ObservationRegistry observations;
  private BraveTracer tracer;

  @BeforeEach
  void setUp() {
    wm.start();
    tracing = Tracing.newBuilder()
        .currentTraceContext(ThreadLocalCurrentTraceContext.create())
        .addSpanHandler(new SpanHandler() {
          @Override
          public boolean end(TraceContext context, MutableSpan span, Cause cause) {
            spans.add(span);
            return true;
          }
        })
        .build();
    tracer = new BraveTracer(tracing.tracer(),
        new BraveCurrentTraceContext(tracing.currentTraceContext()), new BraveBaggageManager());
    observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new ObservationHandler.FirstMatchingCompositeObservationHandler(
        new PropagatingSenderTracingObservationHandler<>(tracer, new BravePropagator(tracing)),
        new DefaultTracingObservationHandler(tracer)));
  }

  @AfterEach
  void tearDown() {
    tracing.close();
    wm.stop();
  }

  /**
   * Issue 23: with the caller's span in scope (every traced server request), the first attempt is
   * a child of its call, not a sibling of it, and the retry too; the call is the caller's child.
   */
  @ParameterizedTest(name = "async={0}")
  @ValueSource(booleans = {false, true})
  void insideTheCallersSpanEveryAttemptIsAChildOfItsCall(boolean async) throws Exception {
    Menu menu = flakyMenu();
    Span caller = tracer.nextSpan().name("caller").start();
    try (Tracer.SpanInScope scope = tracer.withSpan(caller)) {
      String answer = async ? menu.menuAsync().get(5, TimeUnit.SECONDS) : menu.menu();
      assertThat(answer).isEqualTo("\"menu\"");
    } finally {
      caller.end();
    }

    MutableSpan call = spans.stream().filter(s -> s.name().equals(async ? "menu.menuAsync" : "menu.menu"))
        .findFirst().orElseThrow();
    assertThat(call.parentId()).isEqualTo(caller.context().spanId());
    List<MutableSpan> attempts = spans.stream().filter(s -> s.name().startsWith(call.name() + " ")).toList();
    assertThat(attempts).extracting(MutableSpan::name)
        .containsExactlyInAnyOrder(call.name() + " first", call.name() + " retry");
    assertThat(attempts).allSatisfy(a -> {
      assertThat(a.traceId()).isEqualTo(caller.context().traceId());
      assertThat(a.parentId()).isEqualTo(call.id());
    });
  }

  /** The same with an Observation in scope instead of a bare span (as a traced server's is). */
  @Test
  void insideTheCallersObservationTheAttemptIsAChildOfItsCall() {
    Menu menu = flakyMenu();
    Observation.createNotStarted("caller", observations).observe(() -> assertThat(menu.menu()).isEqualTo("\"menu\""));

    MutableSpan caller = spans.stream().filter(s -> s.name().equals("caller")).findFirst().orElseThrow();
    MutableSpan call = spans.stream().filter(s -> s.name().equals("menu.menu")).findFirst().orElseThrow();
    assertThat(call.parentId()).isEqualTo(caller.id());
    assertThat(spans.stream().filter(s -> s.name().startsWith("menu.menu ")))
        .hasSize(2).allSatisfy(a -> assertThat(a.parentId()).isEqualTo(call.id()));
  }

  private Menu flakyMenu() {
    wm.stubFor(get(anyUrl()).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(503)).willSetStateTo("ok"));
    wm.stubFor(get(anyUrl()).inScenario("flaky").whenScenarioStateIs("ok").willReturn(okJson("\"menu\"")));
    return RpcProxy.builder(Menu.class).name("menu")
        .transport(HttpTransport.builder().baseUrl(wm.baseUrl()).build())
        .observationRegistry(observations)
        .policy(Policy.builder().timeout(Duration.ofSeconds(5))
            .retry(RetryPolicy.builder().maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build())
            .build())
        .build();
  }

  @Test
  void theServerReceivesTheClientsTraceAndRetriesAreAttemptsUnderOneCall() {
    wm.stubFor(get(anyUrl()).inScenario("flaky").whenScenarioStateIs(STARTED)
        .willReturn(aResponse().withStatus(503)).willSetStateTo("ok"));
    wm.stubFor(get(anyUrl()).inScenario("flaky").whenScenarioStateIs("ok").willReturn(okJson("\"menu\"")));
    Menu menu = RpcProxy.builder(Menu.class).name("menu")
        .transport(HttpTransport.builder().baseUrl(wm.baseUrl()).build())
        .observationRegistry(observations)
        .policy(Policy.builder().timeout(Duration.ofSeconds(5))
            .retry(RetryPolicy.builder().maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(1)).build())
            .build())
        .build();

    assertThat(menu.menu()).isEqualTo("\"menu\"");

    List<LoggedRequest> requests = wm.findAll(anyRequestedFor(anyUrl()));
    assertThat(requests).hasSize(2);
    MutableSpan call = spans.stream().filter(s -> s.name().equals("menu.menu")).findFirst().orElseThrow();
    List<MutableSpan> attempts = spans.stream().filter(s -> s.name().startsWith("menu.menu ")).toList();
    assertThat(attempts).extracting(MutableSpan::name).containsExactlyInAnyOrder("menu.menu first", "menu.menu retry");
    assertThat(attempts).allSatisfy(a -> {
      assertThat(a.traceId()).isEqualTo(call.traceId());
      assertThat(a.parentId()).isEqualTo(call.id());
    });
    // Each request carries its own attempt's span, in the call's trace (B3 single or multi header).
    for (LoggedRequest request : requests) {
      String traceId = request.containsHeader("X-B3-TraceId")
          ? request.getHeader("X-B3-TraceId")
          : request.getHeader("b3").split("-")[0];
      assertThat(traceId).isEqualTo(call.traceId());
    }
    assertThat(requests).extracting(r -> r.containsHeader("X-B3-SpanId") ? r.getHeader("X-B3-SpanId")
            : r.getHeader("b3").split("-")[1])
        .containsExactlyInAnyOrderElementsOf(attempts.stream().map(MutableSpan::id).toList());
  }
}
