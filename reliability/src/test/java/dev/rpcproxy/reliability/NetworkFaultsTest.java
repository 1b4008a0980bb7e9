package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.Endpoints;
import dev.rpcproxy.OutlierEjection;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import dev.rpcproxy.reliability.faultproxy.Direction;
import dev.rpcproxy.reliability.faultproxy.FaultProxy;
import dev.rpcproxy.reliability.faultproxy.Toxic;
import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import okhttp3.Call;
import okhttp3.ConnectionPool;
import okhttp3.EventListener;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Faults between client and server, where no server code runs, injected by a {@link FaultProxy}:
 * a black hole mid-body, half-open pooled connections (REST and gRPC), a throttled link, refused
 * connects, and DNS answers gone bad. Clients are configured as a user would configure them.
 *
 * <p>Bounds: a call that ends at its deadline may overshoot it by at most {@link #OVERSHOOT_MS}
 * (the harness's bound: the deadline timer and the thread it wakes can each be late on 2 shared
 * cores; measured overshoots are in the tens of ms). Waits for the network stack or a pool to act
 * are bounded polls, never sleeps. Each test prints a {@code FIGURES} row for docs/RELIABILITY.md.
 */
class NetworkFaultsTest {
  private static final Duration TIMEOUT = Duration.ofMillis(500);
  private static final long OVERSHOOT_MS = 200;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PAYLOAD = "x".repeat(4_000);

  interface Api {
    @GET
    @Path("/items/{id}")
    ItemDto item(@PathParam("id") long id);

    @GET
    @Path("/items/{id}")
    CompletableFuture<ItemDto> itemAsync(@PathParam("id") long id);
  }

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<FaultProxy> proxies = new ArrayList<>();
  private final AtomicReference<CountDownLatch> hold = new AtomicReference<>();
  private OkHttpClient okHttp;
  private ChaosHarness.ActiveCalls grpcCalls;
  /** What the machine took from the test's threads: overshoots are judged net of it (see {@link CallRecorder}). */
  private final MachinePauses pauses = MachinePauses.start();

  @AfterEach
  void nothingLeaks() throws Exception {
    closeables.add(0, pauses); // closed last
    if (okHttp != null) {
      OkHttpClient client = okHttp;
      awaitTrue("no OkHttp call running", () -> client.dispatcher().runningCallsCount() == 0);
      awaitTrue("no connection in use", () -> client.connectionPool().connectionCount()
          == client.connectionPool().idleConnectionCount());
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    }
    if (grpcCalls != null) {
      ChaosHarness.ActiveCalls calls = grpcCalls;
      awaitTrue("no gRPC call open", () -> calls.open.get() == 0);
    }
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    for (FaultProxy proxy : proxies) {
      proxy.close();
      assertThat(proxy.liveThreads()).as("threads of " + proxy).isZero();
    }
  }

  // ------------------------------------------------------------------ REST

  private LoopbackHttpServer restServer() {
    AtomicInteger seq = new AtomicInteger();
    LoopbackHttpServer server = new LoopbackHttpServer(ex -> {
      CountDownLatch wait = hold.get();
      if (wait != null && !wait.await(5, TimeUnit.SECONDS)) {
        throw new IOException("test latch never released");
      }
      long id = Long.parseLong(ex.path.substring(ex.path.lastIndexOf('/') + 1));
      ex.respond(200, "application/json", JSON.writeValueAsBytes(new ItemDto(id, seq.incrementAndGet(), "server", PAYLOAD)));
    });
    closeables.add(server);
    return server;
  }

  private FaultProxy proxy(String name, int upstreamPort) {
    FaultProxy proxy = new FaultProxy(name, upstreamPort);
    proxies.add(proxy);
    return proxy;
  }

  /** An OkHttp client as a user would build one: a pool whose idle connections live {@code keepAlive}. */
  private OkHttpClient userClient(Duration keepAlive, EventListener listener) {
    okHttp = new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(5, keepAlive.toMillis(), TimeUnit.MILLISECONDS))
        .protocols(List.of(Protocol.HTTP_1_1))
        .retryOnConnectionFailure(false)
        .eventListener(listener)
        .build();
    return okHttp;
  }

  private Api restClient(String name, HttpTransport transport, Policy policy, MeterRegistry registry) {
    Api api = RpcProxy.builder(Api.class).name(name).transport(transport).policy(policy).meterRegistry(registry).build();
    closeables.add(() -> RpcProxy.close(api));
    return api;
  }

  @Test
  void aBlackHoleMidBodyEndsAtTheDeadlineAndThePooledConnectionIsNotReused() throws Exception {
    LoopbackHttpServer server = restServer();
    FaultProxy proxy = proxy("blackhole", server.port());
    OkHttpClient client = userClient(Duration.ofMinutes(5), EventListener.NONE);
    Api api = restClient("blackhole", HttpTransport.builder().baseUrl(proxy.url()).client(client).build(),
        Policy.builder().timeout(TIMEOUT).build(), new SimpleMeterRegistry());
    CallRecorder calls = new CallRecorder("black hole mid-body (REST)", TIMEOUT, pauses);

    assertThat(calls.call(() -> api.item(1))).isInstanceOf(ItemDto.class);
    assertThat(calls.call(() -> api.item(2))).isInstanceOf(ItemDto.class);
    assertThat(proxy.stats().connectionsOpened()).as("one pooled connection, reused").isEqualTo(1);

    // The head and 500 bytes of the 4 kB body arrive, then nothing: no FIN, no RST.
    proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.cutAfter(600, Toxic.Cut.BLACK_HOLE));
    assertThat(calls.call(() -> api.item(3))).isInstanceOf(RpcTimeoutException.class);
    assertThat(calls.call(() -> api.itemAsync(4).join())).isInstanceOf(RpcTimeoutException.class);
    proxy.clearToxics();

    assertThat(calls.call(() -> api.item(5))).isInstanceOf(ItemDto.class);
    assertThat(calls.call(() -> api.item(6))).isInstanceOf(ItemDto.class);
    // Each black-holed call's connection was dropped (the async one opened its own), and the next
    // call opened a fresh one that was then reused: 1 + 1 (async) + 1.
    assertThat(proxy.stats().connectionsOpened()).isEqualTo(3);
    assertThat(proxy.stats().cuts(Toxic.Cut.BLACK_HOLE)).isEqualTo(2);
    assertThat(calls.netOvershootMillis()).isLessThan(OVERSHOOT_MS);
    awaitTrue("black-holed connections closed at the proxy", () -> proxy.connections().size() == 1);
    calls.row(proxy.stats().connectionsOpened(), server.requests(), 0);
  }

  @Test
  void aHalfOpenPooledConnectionFailsOnlyTheCallsInFlightAndIdleOnesAreEvicted() throws Exception {
    LoopbackHttpServer server = restServer();
    FaultProxy proxy = proxy("halfopen-rest", server.port());
    // A user who knows the path drops idle flows keeps pooled connections for less time than that.
    OkHttpClient client = userClient(Duration.ofMillis(500), EventListener.NONE);
    Api api = restClient("halfopen-rest", HttpTransport.builder().baseUrl(proxy.url()).client(client).build(),
        Policy.builder().timeout(TIMEOUT).build(), new SimpleMeterRegistry());
    CallRecorder calls = new CallRecorder("half-open pooled connection (REST)", TIMEOUT, pauses);
    assertThat(calls.call(() -> api.item(1))).isInstanceOf(ItemDto.class);

    // 1. Three calls in flight when the path dies: exactly those three fail, at their deadline.
    CountDownLatch release = new CountDownLatch(1);
    hold.set(release);
    List<CompletableFuture<Object>> inFlight = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      inFlight.add(api.itemAsync(10 + i).handle((v, e) -> {
        Object result = e == null ? v : CallRecorder.unwrap(e);
        calls.record(t0, result);
        return result;
      }));
    }
    awaitTrue("3 requests at the server", () -> server.inFlight() == 3);
    assertThat(proxy.halfOpenExisting()).isEqualTo(3);
    hold.set(null);
    release.countDown(); // the answers go out, into the dead path
    for (CompletableFuture<Object> f : inFlight) {
      assertThat(f.get(TIMEOUT.toMillis() + 2_000, TimeUnit.MILLISECONDS)).isInstanceOf(RpcTimeoutException.class);
    }

    // 2. An idle pooled connection that went half-open is evicted by the pool's keep-alive, unused.
    assertThat(calls.call(() -> api.item(20))).isInstanceOf(ItemDto.class);
    long openedBefore = proxy.stats().connectionsOpened();
    assertThat(proxy.halfOpenExisting()).isEqualTo(1);
    awaitTrue("idle connection evicted after 500 ms", () -> client.connectionPool().connectionCount() == 0);
    assertThat(calls.call(() -> api.item(21))).isInstanceOf(ItemDto.class);
    assertThat(proxy.stats().connectionsOpened()).isEqualTo(openedBefore + 1);

    // 3. The limit: a call that picks a half-open connection before eviction is a call in flight on
    //    it, and ends at its deadline; the connection is then dropped and the next call succeeds.
    assertThat(proxy.halfOpenExisting()).isEqualTo(1);
    assertThat(calls.call(() -> api.item(22))).isInstanceOf(RpcTimeoutException.class);
    assertThat(calls.call(() -> api.item(23))).isInstanceOf(ItemDto.class);

    assertThat(calls.count("RpcTimeoutException")).isEqualTo(4);
    assertThat(calls.netOvershootMillis()).isLessThan(OVERSHOOT_MS);
    calls.row(proxy.stats().connectionsOpened(), server.requests(), 0);
  }

  @Test
  void aThrottledLinkTripsTheSlowCallBreaker() {
    LoopbackHttpServer server = restServer();
    FaultProxy proxy = proxy("throttled", server.port());
    OkHttpClient client = userClient(Duration.ofMinutes(5), EventListener.NONE);
    Duration timeout = Duration.ofSeconds(2);
    Api api = restClient("throttled", HttpTransport.builder().baseUrl(proxy.url()).client(client).build(),
        Policy.builder().timeout(timeout).circuitBreaker(CircuitBreakerConfig.custom()
            .slowCallDurationThreshold(Duration.ofMillis(200))
            .slowCallRateThreshold(50)
            .slidingWindowSize(4)
            .minimumNumberOfCalls(4)
            .waitDurationInOpenState(Duration.ofMinutes(1))
            .build()).build(),
        new SimpleMeterRegistry());
    CallRecorder calls = new CallRecorder("throttled link, slow-call breaker (REST)", timeout, pauses);
    assertThat(calls.call(() -> api.item(1))).isInstanceOf(ItemDto.class); // fast: not slow

    // 16 kB/s: a 4.1 kB answer takes at least 250 ms, over the 200 ms slow-call threshold.
    proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.bandwidth(16_000));
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      assertThat(calls.call(() -> api.item(2))).isInstanceOf(ItemDto.class);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(200);
    }
    // 3 slow of 4 calls = 75% >= 50%: open. Further calls are rejected at once, not sent.
    long requests = server.requests();
    for (int i = 0; i < 5; i++) {
      assertThat(calls.call(() -> api.item(3))).isInstanceOf(CircuitOpenException.class);
    }
    assertThat(server.requests()).isEqualTo(requests);
    assertThat(calls.netOvershootMillis()).isLessThan(0);
    calls.row(proxy.stats().connectionsOpened(), server.requests(), 0);
  }

  /** Counts refused connects, as a user's OkHttp {@link EventListener} would. */
  private static final class ConnectFailures extends EventListener {
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public void connectFailed(Call call, InetSocketAddress address, java.net.Proxy proxy, Protocol protocol,
        IOException ioe) {
      failed.incrementAndGet();
    }
  }

  @Test
  void refusedConnectsAreRetriedOnTheOtherEndpointWhichGetsEjected() {
    LoopbackHttpServer server = restServer();
    FaultProxy good = proxy("good", server.port());
    FaultProxy refusing = proxy("refusing", server.port());
    refusing.accepting(FaultProxy.Accepting.REFUSE);
    ConnectFailures connectFailures = new ConnectFailures();
    OkHttpClient client = userClient(Duration.ofMinutes(5), connectFailures);
    MeterRegistry registry = new SimpleMeterRegistry();
    Api api = restClient("two-endpoints", HttpTransport.builder()
            .endpoints(Endpoints.of(good.url(), refusing.url()))
            .outlierEjection(OutlierEjection.custom().consecutiveFailures(3).build())
            .client(client)
            .meterRegistry(registry)
            .build(),
        Policy.builder().timeout(TIMEOUT)
            .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(5), Duration.ofMillis(20)).build())
            .build(),
        registry);
    CallRecorder calls = new CallRecorder("refused connects, 2 endpoints (REST)", TIMEOUT, pauses);

    for (int i = 0; i < 40; i++) {
      long id = i;
      assertThat(calls.call(() -> api.item(id))).isInstanceOf(ItemDto.class);
    }

    // Every refused attempt was retried on the good endpoint; after 3 in a row the refusing one
    // was ejected (30 s) and got no further attempt.
    assertThat(connectFailures.failed).hasValue(3);
    assertThat(registry.get("rpc.client.endpoints.ejections").tag("client", "two-endpoints").functionCounter().count())
        .isEqualTo(1);
    assertThat(registry.get("rpc.client.endpoints.ejected").tag("client", "two-endpoints").gauge().value()).isEqualTo(1);
    assertThat(good.stats().connectionsOpened()).isEqualTo(1);
    assertThat(calls.netOvershootMillis()).isLessThan(0);
    calls.row(good.stats().connectionsOpened(), server.requests(), 0);
  }

  @Test
  void aDeadDnsAnswerKeepsTheLastGoodList() throws Exception {
    LoopbackHttpServer server = restServer();
    FaultProxy proxy = proxy("dns", server.port());
    FakeTime time = new FakeTime();
    InetAddress live = InetAddress.getByName("127.0.0.1");
    InetAddress dead = InetAddress.getByName("127.0.0.2"); // loopback, but nothing listens there: refused
    AtomicReference<Object> answer = new AtomicReference<>(new InetAddress[] {live});
    EndpointSource dns = Endpoints.dns("inventory.internal", proxy.port(), "http", host -> {
      Object a = answer.get();
      if (a instanceof UnknownHostException e) {
        throw e;
      }
      return (InetAddress[]) a;
    }, Duration.ofSeconds(30), time);
    closeables.add(dns);
    ConnectFailures connectFailures = new ConnectFailures();
    OkHttpClient client = userClient(Duration.ofMinutes(5), connectFailures);
    MeterRegistry registry = new SimpleMeterRegistry();
    Api api = restClient("dns", HttpTransport.builder()
            .endpoints(dns)
            .outlierEjection(OutlierEjection.custom().consecutiveFailures(2).build())
            .client(client)
            .meterRegistry(registry)
            .build(),
        Policy.builder().timeout(TIMEOUT)
            .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(5), Duration.ofMillis(20)).build())
            .build(),
        registry);
    CallRecorder calls = new CallRecorder("DNS answers gone bad (REST)", TIMEOUT, pauses);
    assertThat(calls.call(() -> api.item(1))).isInstanceOf(ItemDto.class);

    // The name server fails (SERVFAIL / timeout), then answers with no address: the last good list stays.
    answer.set(new UnknownHostException("inventory.internal: SERVFAIL"));
    time.advance(Duration.ofSeconds(30));
    answer.set(new InetAddress[0]);
    time.advance(Duration.ofSeconds(30));
    assertThat(dns.resolutionFailures()).isEqualTo(2);
    assertThat(dns.endpoints()).hasSize(1);
    for (int i = 0; i < 10; i++) {
      long id = i;
      assertThat(calls.call(() -> api.item(id))).isInstanceOf(ItemDto.class);
    }

    // A valid answer with a dead address next to the live one: refused connects are retried on the
    // live one, and the dead one is ejected after 2 in a row.
    answer.set(new InetAddress[] {dead, live});
    time.advance(Duration.ofSeconds(30));
    assertThat(dns.endpoints()).hasSize(2);
    for (int i = 0; i < 20; i++) {
      long id = i;
      assertThat(calls.call(() -> api.item(id))).isInstanceOf(ItemDto.class);
    }
    assertThat(connectFailures.failed).hasValue(2);

    // An answer holding only a dead address is believed (it is a valid answer): calls fail fast as
    // transport failures, not at their deadline, until DNS answers with a live address again.
    answer.set(new InetAddress[] {dead});
    time.advance(Duration.ofSeconds(30));
    assertThat(calls.call(() -> api.item(99))).isInstanceOf(RpcTransportException.class);
    answer.set(new InetAddress[] {live});
    time.advance(Duration.ofSeconds(30));
    assertThat(calls.call(() -> api.item(100))).isInstanceOf(ItemDto.class);

    assertThat(calls.netOvershootMillis()).isLessThan(0);
    calls.row(proxy.stats().connectionsOpened(), server.requests(), 0);
  }

  // ------------------------------------------------------------------ gRPC

  @Test
  void grpcKeepaliveDetectsAHalfOpenConnectionAndOnlyTheCallsInFlightFail() throws Exception {
    FaultInjector faults = new FaultInjector(18);
    faults.off(true);
    ChaosGrpcServer server = new ChaosGrpcServer(faults);
    closeables.add(server);
    FaultProxy proxy = proxy("halfopen-grpc", server.port());
    // What a user would pick behind NATs and load balancers that drop idle flows: ping after 10 s
    // without reads (grpc-java's minimum), give up 1 s later, also with no call open.
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext()
        .keepAliveTime(10, TimeUnit.SECONDS)
        .keepAliveTimeout(1, TimeUnit.SECONDS)
        .keepAliveWithoutCalls(true)
        .build();
    closeables.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    // The first call of a cold JVM loads Netty and protobuf (finding 5): warm up outside the measure.
    InventoryGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getItem(ItemRequest.newBuilder().setId(0).build());
    grpcCalls = new ChaosHarness.ActiveCalls();
    GrpcInventory api = RpcProxy.builder(GrpcInventory.class).name("halfopen-grpc")
        .transport(GrpcTransport.builder(channel, InventoryGrpc.getServiceDescriptor()).interceptors(grpcCalls).build())
        .policy(Policy.builder().timeout(TIMEOUT).build())
        .build();
    closeables.add(() -> RpcProxy.close(api));
    CallRecorder calls = new CallRecorder("half-open connection, keepalive (gRPC)", TIMEOUT, pauses);
    ItemRequest request = ItemRequest.newBuilder().setId(1).build();
    assertThat(calls.call(() -> api.getItem(request))).isInstanceOf(Item.class);

    // Three calls in flight (answers delayed 50-400 ms) when the path dies.
    faults.off(false);
    faults.force(FaultInjector.Fault.LATENCY);
    List<CompletableFuture<Object>> inFlight = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      inFlight.add(api.getItemAsync(request).handle((v, e) -> {
        Object result = e == null ? v : CallRecorder.unwrap(e);
        calls.record(t0, result);
        return result;
      }));
    }
    awaitTrue("3 calls at the server", () -> server.inFlight() == 3);
    long deadAt = System.nanoTime();
    assertThat(proxy.halfOpenExisting()).isEqualTo(1);
    for (CompletableFuture<Object> f : inFlight) {
      assertThat(f.get(TIMEOUT.toMillis() + 2_000, TimeUnit.MILLISECONDS)).isInstanceOf(RpcTimeoutException.class);
    }
    faults.force(null);
    faults.off(true);

    // Keepalive: no read for 10 s -> PING, no ACK within 1 s -> the transport is closed. Bound:
    // 10 s + 1 s + 4 s, beyond what the machine took meanwhile (stalls, GC pauses); the wait itself
    // is bounded further out so that a late detection is measured, not cut off.
    awaitTrue(Duration.ofSeconds(60), "keepalive closes the dead transport",
        () -> channel.getState(false) != ConnectivityState.READY);
    long detectedAt = System.nanoTime();
    long detectedMillis = TimeUnit.NANOSECONDS.toMillis(detectedAt - deadAt);
    long lostMillis = TimeUnit.NANOSECONDS.toMillis(pauses.lostAroundSettled(deadAt, detectedAt));
    System.out.println("FIGURES gRPC half-open detected by keepalive after " + detectedMillis + " ms ("
        + lostMillis + " ms of machine stalls and GC pauses meanwhile)");
    assertThat(detectedMillis).isGreaterThanOrEqualTo(10_000L);
    assertThat(detectedMillis - lostMillis).as("ms, net of the machine's stalls").isLessThanOrEqualTo(15_000L);

    for (int i = 0; i < 5; i++) {
      assertThat(calls.call(() -> api.getItem(request))).isInstanceOf(Item.class);
    }
    assertThat(proxy.stats().connectionsOpened()).isEqualTo(2);
    assertThat(calls.count("RpcTimeoutException")).isEqualTo(3);
    assertThat(calls.netOvershootMillis()).isLessThan(OVERSHOOT_MS);
    calls.row(proxy.stats().connectionsOpened(), server.calls(), 0);
  }

  private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
    awaitTrue(Duration.ofSeconds(5), what, condition);
  }

  private static void awaitTrue(Duration atMost, String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime() < deadline).as(what + " within " + atMost).isTrue();
      Thread.sleep(5); // polling interval, not a wait for an outcome
    }
  }
}
