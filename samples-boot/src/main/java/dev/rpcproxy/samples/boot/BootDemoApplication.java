package dev.rpcproxy.samples.boot;

import dev.rpcproxy.RpcException;
import dev.rpcproxy.samples.downstream.Downstream;
import dev.rpcproxy.samples.downstream.Fault;
import dev.rpcproxy.samples.downstream.FaultInjector;
import dev.rpcproxy.samples.downstream.GrpcServices;
import dev.rpcproxy.samples.downstream.RestaurantServer;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * The order service as a Spring Boot 4 application. Its three clients are {@code @RpcClient}
 * interfaces in this package, configured in {@code application.yml}; the downstream services
 * (the demo's restaurant, consumer and kitchen services) are started in-process on loopback
 * first, and their addresses handed to the application as default properties, so that
 * {@code --rpcproxy.clients.restaurants.base-url=...} can point it elsewhere.
 *
 * <pre>
 * mvn -B -q -DskipTests package && java -jar samples-boot/target/rpc-proxy-boot-demo.jar
 * curl -X POST 'localhost:8080/orders?consumer=1&amp;restaurant=1&amp;item=1-1'
 * curl localhost:8080/actuator/rpcclients
 * </pre>
 */
@SpringBootApplication
public class BootDemoApplication {

  public static void main(String[] args) throws IOException {
    run(args);
  }

  /** Starts the downstream services, then the application; closing the context stops them. */
  public static ConfigurableApplicationContext run(String... args) throws IOException {
    FaultInjector faults = new FaultInjector(healthy());
    RestaurantServer restaurants = RestaurantServer.start(faults);
    GrpcServices grpc = GrpcServices.start(faults);
    String grpcTarget = "127.0.0.1:" + grpc.port();
    ConfigurableApplicationContext context = new SpringApplicationBuilder(BootDemoApplication.class)
        .properties(Map.of(
            "rpcproxy.clients.restaurants.base-url", restaurants.baseUrl(),
            "rpcproxy.clients.consumers.grpc.target", grpcTarget,
            "rpcproxy.clients.kitchen.grpc.target", grpcTarget))
        .initializers(ctx -> ctx.getBeanFactory().registerSingleton("faultInjector", faults))
        .run(args);
    context.registerShutdownHook();
    context.addApplicationListener(event -> {
      if (event instanceof org.springframework.context.event.ContextClosedEvent) {
        grpc.close();
        restaurants.close();
      }
    });
    return context;
  }

  private static Map<Downstream, Fault> healthy() {
    Map<Downstream, Fault> faults = new EnumMap<>(Downstream.class);
    for (Downstream service : Downstream.values()) {
      faults.put(service, Fault.healthy(Duration.ofMillis(3), Duration.ofMillis(2)));
    }
    return faults;
  }

  /** Places a few orders at startup and says where to look. */
  @Bean
  org.springframework.boot.ApplicationRunner firstOrders(OrderController orders,
      org.springframework.core.env.Environment environment) {
    return args -> {
      for (long consumer = 1; consumer <= 3; consumer++) {
        try {
          System.out.println("placed " + orders.placeOrder(consumer, 1, "1-1"));
        } catch (RpcException e) {
          // Startup did the clients' one-time work (docs/spring-boot.md), but a very busy
          // machine may still make a call miss a short deadline.
          System.out.println("order failed: " + e.getMessage());
        }
      }
      String port = environment.getProperty("local.server.port", "8080");
      System.out.println("\nTry:  curl -X POST 'http://localhost:" + port + "/orders?consumer=1&restaurant=1&item=1-1'"
          + "\n      curl http://localhost:" + port + "/actuator/rpcclients"
          + "\n      curl -X POST 'http://localhost:" + port + "/faults/kitchen?errors=1'   (then order again, and look at"
          + "\n      curl http://localhost:" + port + "/actuator/health/rpcClients)\nCtrl-C stops it.");
    };
  }
}
