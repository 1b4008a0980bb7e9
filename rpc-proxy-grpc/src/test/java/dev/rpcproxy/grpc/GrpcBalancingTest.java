package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.Endpoints;
import dev.rpcproxy.OutlierEjection;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.grpc.internal.BalancedChannels;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import dev.rpcproxy.testing.FakeTime;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link GrpcChannels#balanced}: grpc-java's round robin and outlier detection over loopback servers. */
@Timeout(30)
class GrpcBalancingTest {
  private static final GetTicketRequest GET = GetTicketRequest.newBuilder().setId("t-1").build();
  /** The client's breaker must stay out of the way: these tests watch the channel. */
  private static final Policy NO_BREAKER = Policy.builder().timeout(Duration.ofSeconds(5))
      .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(1000).minimumNumberOfCalls(1000).build())
      .build();

  private final List<Server> servers = new ArrayList<>();
  private final List<TestTicketService> services = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (Server server : servers) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void theServiceConfigNamesGrpcJavasPolicies() {
    Map<String, Object> config = BalancedChannels.serviceConfig(OutlierEjection.ofDefaults());
    assertThat(config.toString())
        .contains("outlier_detection_experimental", "round_robin", "interval=10.000000000s",
            "baseEjectionTime=30.000000000s", "maxEjectionTime=300.000000000s", "maxEjectionPercentage=50.0",
            "threshold=50.0", "requestVolume=10.0", "minimumHosts=2.0");
  }

  @Test
  void callsSpreadOverAllServers() {
    List<URI> uris = start(3);
    TicketClient client = client(GrpcChannels.balanced(Endpoints.of(uris)).usePlaintext().build());
    warmUp(client, 0, 1, 2);

    for (int i = 0; i < 90; i++) {
      client.getTicket(GET);
    }

    for (TestTicketService service : services) {
      assertThat(service.getCalls.get()).isBetween(25, 35);
    }
  }

  @Test
  void aServerThatKeepsFailingIsEjectedAndTrafficGoesToTheOthers() {
    List<URI> uris = start(3);
    TestTicketService bad = services.get(1);
    OutlierEjection quick = OutlierEjection.custom().interval(Duration.ofMillis(200)).minimumRequests(5).build();
    TicketClient client = client(GrpcChannels.balanced(Endpoints.of(uris), quick).usePlaintext().build());
    warmUp(client, 0, 1, 2);
    bad.onGet = TestTicketService.failWith(Status.UNAVAILABLE);
    services.forEach(s -> s.getCalls.set(0));

    int[] before = new int[2]; // calls, errors until ejection
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> {
      int badBefore = bad.getCalls.get();
      for (int i = 0; i < 20; i++) {
        before[0]++;
        before[1] += call(client) ? 0 : 1;
      }
      return bad.getCalls.get() == badBefore;
    });
    int badBeforeEjection = bad.getCalls.get();
    bad.getCalls.set(0);

    int errors = 0;
    for (int i = 0; i < 300; i++) {
      errors += call(client) ? 0 : 1;
    }

    assertThat(errors).isZero();
    assertThat(bad.getCalls.get()).isZero();
    System.out.printf("gRPC: until ejection %d calls, %d errors, %d reached the bad server; after: 300 calls, "
        + "%d errors, %d reached it%n", before[0], before[1], badBeforeEjection, errors, bad.getCalls.get());
  }

  @Test
  void aChangedEndpointListIsPickedUp() {
    List<URI> uris = start(3);
    FakeTime time = new FakeTime();
    AtomicReference<List<URI>> registered = new AtomicReference<>(List.of(uris.get(0), uris.get(1)));
    EndpointSource source = Endpoints.dynamic(registered::get, Duration.ofSeconds(5), time);
    TicketClient client = client(GrpcChannels.balanced(source).usePlaintext().build());
    warmUp(client, 0, 1);
    assertThat(services.get(2).getCalls.get()).isZero();

    registered.set(List.of(uris.get(1), uris.get(2)));
    time.advance(Duration.ofSeconds(5));
    warmUp(client, 1, 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      services.forEach(s -> s.getCalls.set(0));
      for (int i = 0; i < 20; i++) {
        client.getTicket(GET);
      }
      return services.get(0).getCalls.get() == 0;
    });
    assertThat(services.get(1).getCalls.get() + services.get(2).getCalls.get()).isEqualTo(20);
    source.close();
  }

  private List<URI> start(int n) {
    List<URI> uris = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      TestTicketService service = new TestTicketService();
      try {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service).build().start();
        servers.add(server);
        services.add(service);
        uris.add(URI.create("http://127.0.0.1:" + server.getPort()));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return uris;
  }

  private TicketClient client(ManagedChannel channel) {
    channels.add(channel);
    return RpcProxy.builder(TicketClient.class)
        .transport(GrpcTransport.builder(channel, TicketServiceGrpc.getServiceDescriptor()).build())
        .policy(NO_BREAKER)
        .build();
  }

  /** Calls until each of the given servers has answered (its connection is up), then zeroes the counts. */
  private void warmUp(TicketClient client, int... indexes) {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      call(client);
      for (int index : indexes) {
        if (services.get(index).getCalls.get() == 0) {
          return false;
        }
      }
      return true;
    });
    services.forEach(s -> s.getCalls.set(0));
  }

  private static boolean call(TicketClient client) {
    try {
      client.getTicket(GET);
      return true;
    } catch (RpcException e) {
      return false;
    }
  }
}
