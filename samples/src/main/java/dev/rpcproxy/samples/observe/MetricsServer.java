package dev.rpcproxy.samples.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.samples.downstream.DaemonThreads;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Serves the registry in the Prometheus text format at {@code /metrics} and the built-in
 * dashboard (one HTML page that polls {@code /metrics}) at {@code /}, on the JDK's HttpServer
 * bound to 127.0.0.1.
 */
public final class MetricsServer implements AutoCloseable {
  static final String DASHBOARD = "dashboard.html";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  static {
    // See RestaurantServer: without it every answer waits ~40 ms for a delayed ACK.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final PrometheusMeterRegistry registry;
  private final byte[] dashboard;

  private MetricsServer(HttpServer server, ExecutorService executor, PrometheusMeterRegistry registry, byte[] dashboard) {
    this.server = server;
    this.executor = executor;
    this.registry = registry;
    this.dashboard = dashboard;
  }

  /**
   * Starts serving on {@code port} (0: any free port).
   *
   * @throws java.net.BindException if the port is taken
   */
  public static MetricsServer start(PrometheusMeterRegistry registry, int port) throws IOException {
    byte[] page = loadDashboard();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    ExecutorService executor = Executors.newFixedThreadPool(2, new DaemonThreads("metrics-http"));
    MetricsServer metrics = new MetricsServer(server, executor, registry, page);
    server.createContext("/", metrics::handle);
    server.setExecutor(executor);
    server.start();
    return metrics;
  }

  private static byte[] loadDashboard() throws IOException {
    try (InputStream in = MetricsServer.class.getResourceAsStream(DASHBOARD)) {
      if (in == null) {
        throw new IOException("dashboard page missing from the classpath: " + DASHBOARD);
      }
      return in.readAllBytes();
    }
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** The dashboard's URL, e.g. {@code http://127.0.0.1:8081/}. */
  public String dashboardUrl() {
    return "http://127.0.0.1:" + port() + "/";
  }

  /** The scrape endpoint's URL. */
  public String metricsUrl() {
    return dashboardUrl() + "metrics";
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
        send(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(StandardCharsets.UTF_8));
      } else if (path.equals("/metrics")) {
        send(exchange, 200, PROMETHEUS_TEXT, registry.scrape().getBytes(StandardCharsets.UTF_8));
      } else if (path.equals("/") || path.equals("/index.html")) {
        send(exchange, 200, "text/html; charset=utf-8", dashboard);
      } else {
        send(exchange, 404, "text/plain; charset=utf-8", "not found: try / or /metrics\n".getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException | UncheckedIOException clientGone) {
      // the browser went away mid-answer
    }
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = "HEAD".equals(exchange.getRequestMethod());
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

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
