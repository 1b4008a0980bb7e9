package dev.rpcproxy.compat.skew;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.http.HttpTransport;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A user's project that declares jackson-annotations itself (generated API models ask for it).
 * Run twice by its POM: with the project's own, older annotations (system property
 * {@code annotations.jar}), where rpc-proxy must refuse to build with a message naming the versions
 * and the fix; and with that fix applied, where JSON works.
 */
class OwnJacksonAnnotationsTest {
  public record Greeting(String text, int length) {}

  @Path("/greetings")
  interface Greetings {
    @GET @Path("/{name}") @Produces("application/json")
    Greeting greet(@PathParam("name") String name);
  }

  @Test
  void jsonWorksOrBuildNamesTheSkew() throws Exception {
    String annotationsJar = jarOf(Class.forName("com.fasterxml.jackson.annotation.JsonProperty"));
    assertEquals(System.getProperty("annotations.jar"), annotationsJar, "the case this run is for");
    HttpServer server = startGreeter();
    try {
      HttpTransport.Builder transport =
          HttpTransport.builder().baseUrl("http://127.0.0.1:" + server.getAddress().getPort());
      if (Boolean.getBoolean("expect.skew")) {
        IllegalStateException refused = assertThrows(IllegalStateException.class, transport::build);
        assertTrue(refused.getMessage().contains("jackson-databind 2.23.0"), refused.getMessage());
        assertTrue(refused.getMessage().contains("jackson-annotations 2.20 "), refused.getMessage());
        assertTrue(refused.getMessage().contains("com.fasterxml.jackson:jackson-bom:2.23.0"), refused.getMessage());
        // The skew is real: without the check, databind fails in a static initializer.
        assertThrows(NoClassDefFoundError.class, ObjectMapper::new);
      } else {
        Greetings client = RpcProxy.builder(Greetings.class)
            .transport(transport.build())
            .policy(Policy.builder().timeout(Duration.ofSeconds(10)).build())
            .build();
        assertEquals(new Greeting("hello ada", 3), client.greet("ada"));
      }
    } finally {
      server.stop(0);
    }
  }

  private static String jarOf(Class<?> type) throws Exception {
    return new File(type.getProtectionDomain().getCodeSource().getLocation().toURI()).getName();
  }

  private static HttpServer startGreeter() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/greetings/", exchange -> {
        String name = exchange.getRequestURI().getPath().substring("/greetings/".length());
        byte[] body = ("{\"text\":\"hello " + name + "\",\"length\":" + name.length() + "}")
            .getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
