package dev.rpcproxy.compat.modulepath;

import dev.rpcproxy.compat.modulepath.Clients.Greeting;
import dev.rpcproxy.compat.modulepath.Clients.NewGreeting;
import dev.rpcproxy.http.HttpTransport;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import java.util.concurrent.TimeUnit;

/**
 * The application's entry point, launched by ModulePathTest as {@code java --module-path ...
 * --module dev.rpcproxy.compat.modulepath/dev.rpcproxy.compat.modulepath.Main <rest-base-url>
 * <grpc-port>}: no test framework, no patched module, no extra flags.
 */
public final class Main {
  private Main() {}

  /** Calls both services once and prints what they answered. */
  public static void main(String[] args) throws InterruptedException {
    if (!Main.class.getModule().isNamed() || !HttpTransport.class.getModule().isNamed()) {
      throw new IllegalStateException("not on the module path: " + Main.class.getModule());
    }
    Greeting greeted = Clients.greetings(args[0]).greet("ada");
    Greeting created = Clients.greetings(args[0]).create(new NewGreeting("grace"));
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(args[1]))
        .usePlaintext().build();
    try {
      Object status = Clients.health(channel)
          .check(HealthCheckRequest.newBuilder().setService("orders").build()).getStatus();
      System.out.println("rest " + greeted + " " + created);
      System.out.println("grpc " + status);
      System.out.println("modules " + Main.class.getModule().getName() + " " + HttpTransport.class.getModule());
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
