package dev.rpcproxy.samples.downstream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.samples.order.Restaurant;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The restaurant service: {@code GET /restaurants/{id}} answers the restaurant and its menu as
 * JSON, on the JDK's {@link HttpServer} bound to loopback, misbehaving as the
 * {@link FaultInjector} says (slow answers, HTTP 503).
 */
public final class RestaurantServer implements AutoCloseable {
  private static final String PREFIX = "/restaurants/";
  /** Slow requests hold a thread each while they wait; this bounds them. */
  private static final int THREADS = 48;

  static {
    // The JDK server writes headers and body separately; with Nagle's algorithm on, the body
    // waits for the client's delayed ACK of the headers: ~40 ms on every answer.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final FaultInjector faults;
  private final ObjectMapper json = new ObjectMapper();

  private RestaurantServer(HttpServer server, ExecutorService executor, FaultInjector faults) {
    this.server = server;
    this.executor = executor;
    this.faults = faults;
  }

  /** Starts the service on a free loopback port. */
  public static RestaurantServer start(FaultInjector faults) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    ExecutorService executor = Executors.newFixedThreadPool(THREADS, new DaemonThreads("restaurants-http"));
    RestaurantServer restaurants = new RestaurantServer(server, executor, faults);
    server.createContext(PREFIX, restaurants::handle);
    server.setExecutor(executor);
    server.start();
    return restaurants;
  }

  /** Where the service listens, e.g. {@code http://127.0.0.1:41234}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "{\"error\":\"method not allowed\"}");
        return;
      }
      Optional<Restaurant> restaurant = parseId(exchange.getRequestURI().getPath()).flatMap(RestaurantCatalog::find);
      FaultInjector.Decision decision = faults.next(Downstream.RESTAURANTS);
      if (decision.delayMillis() > 0) {
        try {
          Thread.sleep(decision.delayMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return; // shutting down
        }
      }
      if (decision.fail()) {
        send(exchange, 503, "{\"error\":\"restaurant service unavailable (injected fault)\"}");
      } else if (restaurant.isEmpty()) {
        send(exchange, 404, "{\"error\":\"no such restaurant\"}");
      } else {
        send(exchange, 200, json.writeValueAsString(restaurant.get()));
      }
    } catch (IOException clientGone) {
      // The caller gave up (its deadline passed) and closed the connection: nothing to answer.
    }
  }

  private static Optional<Long> parseId(String path) {
    try {
      return Optional.of(Long.parseLong(path.substring(PREFIX.length())));
    } catch (NumberFormatException | IndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** Stops accepting requests, interrupts the ones waiting and frees the port. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
