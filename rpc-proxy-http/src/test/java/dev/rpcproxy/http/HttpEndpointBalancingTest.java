package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.CircuitOpenException;
import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.FailureClassifier;
import dev.rpcproxy.Endpoints;
import dev.rpcproxy.OutlierEjection;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.http.StubInstance.Mode;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import okhttp3.OkHttpClient;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** REST over several instances: spreading, ejection, recovery, list changes, DNS. */
@Timeout(30)
class HttpEndpointBalancingTest {
  interface Menu {
    @GET @Path("/menu")
    String menu();

    @GET @Path("/menu")
    CompletableFuture<String> menuAsync();
  }

  private static final CircuitBreakerConfig PATIENT_BREAKER = CircuitBreakerConfig.custom()
      .failureRateThreshold(50).slidingWindowSize(50).minimumNumberOfCalls(20).build();

  private final FakeTime time = new FakeTime();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  /** Attempts sent, by port, whatever became of them (a refused connection included). */
  private final Map<Integer, AtomicInteger> attemptsByPort = new ConcurrentHashMap<>();
  private final OkHttpClient countingClient = new OkHttpClient.Builder()
      .retryOnConnectionFailure(false)
      .addInterceptor(chain -> {
        attemptsByPort.computeIfAbsent(chain.request().url().port(), p -> new AtomicInteger()).incrementAndGet();
        return chain.proceed(chain.request());
      })
      .build();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
    countingClient.dispatcher().executorService().shutdown();
    countingClient.connectionPool().evictAll();
  }

  @Test
  void powerOfTwoChoicesSpreadsCallsOverAllInstances() {
    StubInstance[] instances = start(3);
    Menu menu = client(Endpoints.of(uris(instances)), HttpTransport.LoadBalancing.POWER_OF_TWO_CHOICES,
        OutlierEjection.ofDefaults(), Policy.builder().build());

    for (int i = 0; i < 300; i++) {
      menu.menu();
    }

    for (StubInstance instance : instances) {
      assertThat(instance.calls.get()).as(instance.name).isBetween(60, 140);
    }
  }

  @Test
  void roundRobinSpreadsCallsEvenly() {
    StubInstance[] instances = start(3);
    Menu menu = client(Endpoints.of(uris(instances)), HttpTransport.LoadBalancing.ROUND_ROBIN,
        OutlierEjection.ofDefaults(), Policy.builder().build());

    for (int i = 0; i < 300; i++) {
      menu.menu();
    }

    assertThat(Arrays.stream(instances).mapToInt(s -> s.calls.get())).containsExactly(100, 100, 100);
  }

  /** How the bad instance fails. */
  enum Failure { ANSWERS_503, REFUSES_CONNECTIONS }

  @ParameterizedTest
  @EnumSource(Failure.class)
  void aFailingInstanceIsEjectedNobodyNoticesAndItComesBackAfterTheEjectionTime(Failure failure) {
    StubInstance[] instances = start(3);
    StubInstance bad = instances[1];
    if (failure == Failure.ANSWERS_503) {
      bad.answer(Mode.UNAVAILABLE);
    } else {
      bad.stop();
    }
    Menu menu = client(Endpoints.of(uris(instances)), HttpTransport.LoadBalancing.POWER_OF_TWO_CHOICES,
        OutlierEjection.ofDefaults(), retrying());

    int calls = 300;
    int errors = callAndCountErrors(calls, menu);

    // 5 consecutive failures eject it; each failed attempt was retried on another instance.
    int badAttempts = attempts(bad);
    assertThat(badAttempts).isEqualTo(5);
    assertThat(errors).isLessThan(calls * 2 / 100);
    assertThat(gauge("rpc.client.endpoints.ejected")).isEqualTo(1.0);
    assertThat(registry.get("rpc.client.endpoints.ejections").functionCounter().count()).isEqualTo(1.0);
    System.out.printf("%s: %d calls, %d errors, bad instance got %d attempts (%.2f%%); healthy ones %d and %d%n",
        failure, calls, errors, badAttempts, 100.0 * badAttempts / calls, instances[0].calls.get(),
        instances[2].calls.get());

    // Recovered, but still ejected until 30 s have passed.
    if (failure == Failure.ANSWERS_503) {
      bad.answer(Mode.OK);
    } else {
      bad.restart();
    }
    bad.takeCalls();
    time.advance(Duration.ofSeconds(29));
    callAndCountErrors(100, menu);
    assertThat(bad.takeCalls()).isZero();

    time.advance(Duration.ofSeconds(2));
    assertThat(callAndCountErrors(300, menu)).isZero();
    int afterReturn = bad.takeCalls();
    assertThat(afterReturn).isBetween(60, 140);
    assertThat(gauge("rpc.client.endpoints.ejected")).isZero();
    System.out.printf("%s: after recovery and 31 s the instance got %d of 300 calls%n", failure, afterReturn);
  }

  @Test
  void anInstanceEjectedAgainStaysOutLonger() {
    StubInstance[] instances = start(3);
    StubInstance bad = instances[0].answer(Mode.UNAVAILABLE);
    Menu menu = client(Endpoints.of(uris(instances)), HttpTransport.LoadBalancing.POWER_OF_TWO_CHOICES,
        OutlierEjection.ofDefaults(), retrying());

    callAndCountErrors(200, menu);
    time.advance(Duration.ofSeconds(31));   // first ejection (30 s) over; still failing
    callAndCountErrors(200, menu);
    assertThat(bad.takeCalls()).isEqualTo(10);
    time.advance(Duration.ofSeconds(31));   // second ejection lasts 60 s
    callAndCountErrors(100, menu);
    assertThat(bad.takeCalls()).isZero();
    time.advance(Duration.ofSeconds(30));
    callAndCountErrors(100, menu);
    assertThat(bad.takeCalls()).isEqualTo(5);
  }

  @Test
  void asyncCallsAreBalancedAndFeedHealthToo() {
    StubInstance[] instances = start(3);
    StubInstance bad = instances[2].answer(Mode.UNAVAILABLE);
    // Real time: async backoff waits are timer tasks, which a FakeTime would hold back.
    HttpTransport transport = HttpTransport.builder().endpoints(Endpoints.of(uris(instances)))
        .loadBalancing(HttpTransport.LoadBalancing.ROUND_ROBIN).build();
    closeAfter.add(transport);
    Menu menu = RpcProxy.builder(Menu.class).transport(transport).policy(retrying()).build();

    int errors = 0;
    for (int i = 0; i < 200; i++) {
      try {
        menu.menuAsync().join();
      } catch (RuntimeException e) {
        errors++;
      }
    }

    assertThat(bad.calls.get()).isEqualTo(5);
    assertThat(errors).isZero();
    assertThat(instances[0].calls.get() + instances[1].calls.get()).isEqualTo(200);
  }

  @Test
  void aRetryGoesToAnotherInstance() {
    StubInstance[] instances = start(2);
    instances[0].answer(Mode.UNAVAILABLE);
    // Without ejection about a third of the attempts fail, in random runs: a 50% breaker could
    // open by chance. This test is about where retries go, so only a breaker at 100% is used.
    Policy retryingOnly = Policy.builder().timeout(Duration.ofSeconds(5))
        .circuitBreaker(CircuitBreakerConfig.from(PATIENT_BREAKER).failureRateThreshold(100).build())
        .retry(RetryPolicy.builder().maxAttempts(2).build()).build();
    Menu menu = client(Endpoints.of(uris(instances)), HttpTransport.LoadBalancing.POWER_OF_TWO_CHOICES,
        OutlierEjection.disabled(), retryingOnly);

    assertThat(callAndCountErrors(100, menu)).isZero();
    assertThat(instances[0].calls.get()).isPositive();
    assertThat(instances[1].calls.get()).isEqualTo(100);
  }

  @Test
  void callerErrorsNeverEjectAnInstance() {
    StubInstance[] instances = start(3);
    instances[0].answer(Mode.NOT_FOUND);
    Menu menu = client(Endpoints.of(uris(instances)), HttpTransport.LoadBalancing.ROUND_ROBIN,
        OutlierEjection.ofDefaults(), retrying());

    int notFound = 0;
    for (int i = 0; i < 90; i++) {
      try {
        menu.menu();
      } catch (RemoteCallException e) {
        assertThat(e.isClientError()).isTrue();
        notFound++;
      }
    }

    assertThat(notFound).isEqualTo(30);
    assertThat(instances[0].calls.get()).isEqualTo(30);
    assertThat(gauge("rpc.client.endpoints.ejected")).isZero();
  }

  @Test
  void allInstancesFailingOpensTheClientBreakerAndAtMostTheAllowedShareIsEjected() {
    StubInstance[] instances = start(3);
    for (StubInstance instance : instances) {
      instance.answer(Mode.UNAVAILABLE);
    }
    Menu menu = client(Endpoints.of(uris(instances)), HttpTransport.LoadBalancing.ROUND_ROBIN,
        OutlierEjection.ofDefaults(), retrying());

    List<RuntimeException> failures = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      try {
        menu.menu();
      } catch (RuntimeException e) {
        failures.add(e);
      }
    }

    assertThat(failures).hasSize(40);
    assertThat(failures).last().isInstanceOf(CircuitOpenException.class);
    assertThat(failures).first().isInstanceOf(RemoteCallException.class);
    // 50% of 3 endpoints: one ejected, two still tried.
    assertThat(gauge("rpc.client.endpoints.ejected")).isEqualTo(1.0);
  }

  @Test
  void maxEjectionShareIsRespected() {
    StubInstance[] instances = start(4);
    for (StubInstance instance : instances) {
      instance.answer(Mode.UNAVAILABLE);
    }
    Policy neverOpens = Policy.builder()
        .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(1000).minimumNumberOfCalls(1000).build())
        .build();
    Menu menu = client(Endpoints.of(uris(instances)), HttpTransport.LoadBalancing.ROUND_ROBIN,
        OutlierEjection.custom().maxEjectionPercent(50).build(), neverOpens);

    callAndCountErrors(100, menu);
    assertThat(gauge("rpc.client.endpoints.ejected")).isEqualTo(2.0);
    Arrays.stream(instances).forEach(StubInstance::takeCalls);
    callAndCountErrors(100, menu);
    assertThat(Arrays.stream(instances).mapToInt(StubInstance::takeCalls).filter(n -> n == 0).count()).isEqualTo(2);

    // Never the last one: with 100% allowed, one endpoint stays usable.
    StubInstance[] pair = start(2);
    for (StubInstance instance : pair) {
      instance.answer(Mode.UNAVAILABLE);
    }
    Menu all = client(Endpoints.of(uris(pair)), HttpTransport.LoadBalancing.ROUND_ROBIN,
        OutlierEjection.custom().maxEjectionPercent(100).build(), neverOpens);
    callAndCountErrors(100, all);
    HttpTransport last = (HttpTransport) closeAfter.get(closeAfter.size() - 1);
    assertThat(last.balancer().ejectedNow()).isEqualTo(1);
  }

  @Test
  void dynamicListChangesAddNewInstancesAndDropRemovedOnes() {
    StubInstance[] instances = start(3);
    AtomicReference<List<URI>> registered = new AtomicReference<>(List.of(instances[0].uri(), instances[1].uri()));
    EndpointSource source = Endpoints.dynamic(registered::get, Duration.ofSeconds(5), time);
    closeAfter.add(source);
    Menu menu = client(source, HttpTransport.LoadBalancing.ROUND_ROBIN, OutlierEjection.ofDefaults(),
        Policy.builder().build());

    callAndCountErrors(60, menu);
    assertThat(Arrays.stream(instances).mapToInt(StubInstance::takeCalls)).containsExactly(30, 30, 0);

    registered.set(List.of(instances[1].uri(), instances[2].uri()));
    time.advance(Duration.ofSeconds(5));
    callAndCountErrors(60, menu);
    assertThat(Arrays.stream(instances).mapToInt(StubInstance::takeCalls)).containsExactly(0, 30, 30);
    assertThat(gauge("rpc.client.endpoints")).isEqualTo(2.0);
  }

  @Test
  void dnsReResolutionPicksUpChangesAndAFailureKeepsTheLastGoodList() throws Exception {
    // One port, several loopback addresses: what DNS gives for one service.
    StubInstance first = StubInstance.start("first", "127.0.0.1", 0);
    closeAfter.add(first);
    int port = first.port();
    StubInstance second = StubInstance.start("second", "127.0.0.2", port);
    closeAfter.add(second);
    AtomicReference<String[]> records = new AtomicReference<>(new String[] {"127.0.0.1"});
    EndpointSource source = Endpoints.dns("menu.test", port, "http", host -> {
      String[] now = records.get();
      if (now == null) {
        throw new java.net.UnknownHostException(host);
      }
      InetAddress[] addresses = new InetAddress[now.length];
      for (int i = 0; i < now.length; i++) {
        addresses[i] = InetAddress.getByName(now[i]);
      }
      return addresses;
    }, Duration.ofSeconds(30), time);
    closeAfter.add(source);
    Menu menu = client(source, HttpTransport.LoadBalancing.ROUND_ROBIN, OutlierEjection.ofDefaults(),
        Policy.builder().build());

    callAndCountErrors(10, menu);
    assertThat(first.takeCalls()).isEqualTo(10);

    records.set(new String[] {"127.0.0.1", "127.0.0.2"});
    time.advance(Duration.ofSeconds(30));
    callAndCountErrors(10, menu);
    assertThat(first.takeCalls()).isEqualTo(5);
    assertThat(second.takeCalls()).isEqualTo(5);

    records.set(null);
    time.advance(Duration.ofSeconds(30));
    assertThat(callAndCountErrors(10, menu)).isZero();
    assertThat(first.takeCalls() + second.takeCalls()).isEqualTo(10);
    assertThat(registry.get("rpc.client.endpoints.resolution.failures").functionCounter().count()).isEqualTo(1.0);
    assertThat(gauge("rpc.client.endpoints")).isEqualTo(2.0);
  }

  @Test
  void anEmptySourceFailsCallsClearlyAndBuildRejectsBothBaseUrlAndEndpoints() {
    EndpointSource empty = Endpoints.dynamic(List::of, Duration.ofSeconds(5), time);
    closeAfter.add(empty);
    Menu menu = client(empty, HttpTransport.LoadBalancing.ROUND_ROBIN, OutlierEjection.ofDefaults(),
        Policy.builder().build());
    assertThatThrownBy(menu::menu).isInstanceOf(RpcTransportException.class)
        .hasMessageContaining("no endpoint is available");
    assertThatThrownBy(() -> HttpTransport.builder().baseUrl("http://localhost:1").endpoints(empty).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
  }

  @Test
  void theClientsClassifierDecidesWhatEjectsAnInstance() {
    // Three instances, one answering 404; this client counts 404 as the service's failure.
    StubInstance[] instances = start(3);
    StubInstance bad = instances[2];
    bad.answer(Mode.NOT_FOUND);
    FailureClassifier notFoundIsAFailure = error ->
        error instanceof RemoteCallException r && r.status().equals("404")
            ? FailureClassifier.Verdict.FAILURE
            : FailureClassifier.standard().classify(error);
    // The transport names neither a time source nor a registry: it inherits the client's.
    HttpTransport transport = HttpTransport.builder().client(countingClient).endpoints(Endpoints.of(uris(instances)))
        .build();
    closeAfter.add(transport);
    Menu menu = RpcProxy.builder(Menu.class).name("menu").transport(transport).timeSource(time)
        .meterRegistry(registry).classifier(notFoundIsAFailure)
        .policy(Policy.builder().circuitBreaker(PATIENT_BREAKER).build()).build();

    for (int i = 0; i < 100; i++) {
      try {
        menu.menu();
      } catch (RemoteCallException expected) {
        assertThat(expected.status()).isEqualTo("404");
      }
    }
    int before = bad.calls.get();
    for (int i = 0; i < 200; i++) {
      menu.menu();
    }

    assertThat(bad.calls.get() - before).as("404 instance, last 200 calls").isZero();
    assertThat(before).as("calls the 404 instance got before its ejection").isEqualTo(5);
    assertThat(registry.get("rpc.client.endpoints.ejections").tag("client", "menu").functionCounter().count())
        .isEqualTo(1);
  }

  private StubInstance[] start(int n) {
    StubInstance[] instances = new StubInstance[n];
    for (int i = 0; i < n; i++) {
      instances[i] = StubInstance.start("instance-" + i);
      closeAfter.add(instances[i]);
    }
    return instances;
  }

  private static List<URI> uris(StubInstance[] instances) {
    return Arrays.stream(instances).map(StubInstance::uri).toList();
  }

  private Policy retrying() {
    return Policy.builder().timeout(Duration.ofSeconds(5)).circuitBreaker(PATIENT_BREAKER)
        .retry(RetryPolicy.builder().maxAttempts(2).build()).build();
  }

  private Menu client(EndpointSource source, HttpTransport.LoadBalancing balancing, OutlierEjection ejection,
      Policy policy) {
    HttpTransport transport = HttpTransport.builder()
        .client(countingClient)
        .endpoints(source)
        .loadBalancing(balancing)
        .outlierEjection(ejection)
        .timeSource(time)
        .meterRegistry(registry)
        .build();
    closeAfter.add(transport);
    return RpcProxy.builder(Menu.class).name("menu").transport(transport).policy(policy).timeSource(time).build();
  }

  private static int callAndCountErrors(int calls, Menu menu) {
    int errors = 0;
    for (int i = 0; i < calls; i++) {
      try {
        menu.menu();
      } catch (RpcException e) {
        errors++;
      }
    }
    return errors;
  }

  private int attempts(StubInstance instance) {
    AtomicInteger count = attemptsByPort.get(instance.port());
    return count == null ? 0 : count.get();
  }

  private double gauge(String name) {
    return registry.get(name).tag("client", "menu").gauge().value();
  }

}
