package dev.rpcproxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import io.grpc.Channel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.Iterator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** grpc-java's own health service: its server-streaming {@code Watch} RPC read through rpc-proxy. */
class GrpcHealthWatchTest {
  private static final String SERVICE = "orders";
  private static final HealthStatusManager health = new HealthStatusManager();
  private static LocalServers inProcess;
  private static LocalServers netty;

  /** The health service as a plain interface: {@code Check} is unary, {@code Watch} streams. */
  interface Health {
    HealthCheckResponse check(HealthCheckRequest request);

    Stream<HealthCheckResponse> watch(HealthCheckRequest request);
  }

  @BeforeAll
  static void start() {
    inProcess = LocalServers.inProcess(health.getHealthService());
    netty = LocalServers.netty(health.getHealthService());
  }

  @AfterAll
  static void stop() {
    inProcess.close();
    netty.close();
  }

  static Stream<Named<Channel>> channels() {
    return Stream.of(Named.of("in-process", inProcess.channel), Named.of("netty", netty.channel));
  }

  @ParameterizedTest
  @MethodSource("channels")
  void watchFollowsTheServingStatus(Channel channel) {
    health.setStatus(SERVICE, ServingStatus.SERVING);
    Health client = RpcProxy.builder(Health.class)
        .name("health")
        .transport(GrpcTransport.builder(channel, HealthGrpc.getServiceDescriptor()).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(20)).streamIdleTimeout(Duration.ofSeconds(20)).build())
        .build();
    HealthCheckRequest request = HealthCheckRequest.newBuilder().setService(SERVICE).build();

    assertThat(client.check(request).getStatus()).isEqualTo(ServingStatus.SERVING);
    try (Stream<HealthCheckResponse> updates = client.watch(request)) {
      Iterator<HealthCheckResponse> it = updates.iterator();
      assertThat(it.next().getStatus()).isEqualTo(ServingStatus.SERVING);

      health.setStatus(SERVICE, ServingStatus.NOT_SERVING);
      assertThat(it.next().getStatus()).isEqualTo(ServingStatus.NOT_SERVING);

      health.setStatus(SERVICE, ServingStatus.SERVING);
      assertThat(it.next().getStatus()).isEqualTo(ServingStatus.SERVING);
    }
  }
}
