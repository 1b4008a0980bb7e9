package dev.rpcproxy.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One instance of a service on loopback (JDK {@code HttpServer}): answers every request with its
 * name, or as told ({@link #answer}); counts the requests it receives.
 */
final class StubInstance implements AutoCloseable {
  /** How the instance answers. */
  enum Mode { OK, UNAVAILABLE, NOT_FOUND }

  final String name;
  final AtomicInteger calls = new AtomicInteger();
  private final InetSocketAddress address;
  private volatile HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private volatile Mode mode = Mode.OK;

  private StubInstance(String name, HttpServer server) {
    this.name = name;
    this.server = server;
    this.address = server.getAddress();
    serve(server);
  }

  private void serve(HttpServer server) {
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** Stops listening: connections are refused until {@link #restart}. */
  void stop() {
    server.stop(0);
  }

  /** Listens again on the same address and port. */
  void restart() {
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    serve(server);
  }

  static StubInstance start(String name) {
    return start(name, "127.0.0.1", 0);
  }

  static StubInstance start(String name, String address, int port) {
    try {
      return new StubInstance(name, HttpServer.create(new InetSocketAddress(address, port), 0));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  StubInstance answer(Mode mode) {
    this.mode = mode;
    return this;
  }

  int port() {
    return address.getPort();
  }

  URI uri() {
    return URI.create("http://" + address.getAddress().getHostAddress() + ":" + port());
  }

  /** Calls received since the last reset, and resets the count. */
  int takeCalls() {
    return calls.getAndSet(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    calls.incrementAndGet();
    try (exchange) {
      exchange.getRequestBody().readAllBytes();
      switch (mode) {
        case UNAVAILABLE -> send(exchange, 503, "overloaded");
        case NOT_FOUND -> send(exchange, 404, "no such thing");
        default -> send(exchange, 200, name);
      }
    }
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    // No keep-alive: the JDK server sometimes stalls a request on a reused connection (seen as
    // 5 s timeouts on a loaded machine); a connection per request costs little on loopback.
    exchange.getResponseHeaders().set("Connection", "close");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  @Override
  public String toString() {
    return name;
  }
}
