package dev.rpcproxy.samples.order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.samples.downstream.Downstream;
import dev.rpcproxy.samples.downstream.Fault;
import dev.rpcproxy.samples.downstream.FaultInjector;
import dev.rpcproxy.samples.downstream.GrpcServices;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The order service follows a kitchen ticket over the server-streaming RPC WatchTicket. */
class FollowTicketTest {

  @Test
  void theOrderServiceFollowsATicketUntilItIsReady() throws Exception {
    Map<Downstream, Fault> healthy = new EnumMap<>(Downstream.class);
    for (Downstream service : Downstream.values()) {
      healthy.put(service, Fault.healthy(Duration.ZERO, Duration.ZERO));
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (GrpcServices grpc = GrpcServices.start(new FaultInjector(healthy));
        FtgoClients clients = FtgoClients.connect("http://127.0.0.1:9", grpc.port(), registry, Duration.ofSeconds(5))) {
      OrderService orders = new OrderService(clients.restaurants(), clients.consumers(), clients.kitchen());

      assertThat(orders.followTicket("T1")).containsExactly("ACCEPTED", "PREPARING", "READY_FOR_PICKUP");

      assertThat(registry.get("rpc.client.stream.messages").tag("method", "watchTicket").counter().count())
          .isEqualTo(3);
      assertThat(registry.get("rpc.client.calls").tag("method", "watchTicket").tag("outcome", "success")
          .timer().count()).isEqualTo(1);
    }
  }
}
