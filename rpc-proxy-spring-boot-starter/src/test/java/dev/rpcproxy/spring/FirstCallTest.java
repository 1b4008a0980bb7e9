package dev.rpcproxy.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.spring.app.Restaurant;
import dev.rpcproxy.spring.app.RestaurantApi;
import dev.rpcproxy.spring.app.TestApplication;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The first call after the context starts is as fast as the next ones: the one-time work of a
 * call (class loading of the pipeline, OkHttp, Jackson, Micrometer) happens at startup, so a
 * client with a short timeout does not time out on its first call.
 *
 * <p>Runs in a JVM of its own (surefire execution {@code first-call}), so that its first call
 * really is the JVM's first. Without the start-up warm-up that call loaded some 225 classes and
 * took 250-690 ms (median 468) on a loaded machine (load average 15-26 on 2 cores); with it, 24
 * classes and 21-465 ms (median 106), next calls 5-85 ms.
 */
@SpringBootTest(classes = TestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
        "rpcproxy.clients.restaurants.timeout=300ms",
        "rpcproxy.clients.kitchen.grpc.plaintext=true",
        "rpcproxy.clients.flaky-kitchen.grpc.plaintext=true",
    })
class FirstCallTest {
  @DynamicPropertySource
  static void downstream(DynamicPropertyRegistry registry) {
    Downstream.warmUpRest();   // the service's own first request is not the client's to pay for
    registry.add("rpcproxy.clients.restaurants.base-url", Downstream::restBaseUrl);
    registry.add("rpcproxy.clients.kitchen.grpc.target", Downstream::grpcTarget);
    registry.add("rpcproxy.clients.flaky-kitchen.grpc.target", Downstream::grpcTarget);
  }

  @Autowired
  RestaurantApi restaurants;

  @Test
  void firstCallOfAClientWithA300msTimeoutSucceeds() {
    assertThat(RpcProxy.inspect(restaurants).methods()).filteredOn(m -> m.name().equals("restaurant"))
        .singleElement().satisfies(m -> assertThat(m.timeout()).isEqualTo(Duration.ofMillis(300)));

    assertThat(restaurants.restaurant(7)).isEqualTo(new Restaurant(7, "R7"));
  }
}
