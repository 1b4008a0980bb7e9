package dev.rpcproxy.spring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.spring.test.kitchen.CreateTicketRequest;
import dev.rpcproxy.spring.test.kitchen.KitchenServiceGrpc;
import dev.rpcproxy.spring.test.kitchen.Ticket;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The services the test applications call, on loopback, started once per test JVM: a REST
 * restaurant service on the JDK's HttpServer and a gRPC kitchen service on Netty.
 *
 * <p>REST: {@code GET /restaurants/{id}} answers {@code {"id":..,"name":"R<id>","unknown":true}};
 * {@code GET /slow/{id}} answers only once {@link #releaseSlow()} is called (or after 10 s), so a
 * test of a timeout needs no sleep. gRPC: {@code CreateTicket} fails with UNAVAILABLE for a
 * negative restaurant id.
 */
public final class Downstream {
  private static final AtomicReference<CountDownLatch> slow = new AtomicReference<>(new CountDownLatch(1));
  private static final HttpServer rest = startRest();
  private static final Server grpc = startGrpc();

  private Downstream() {}

  public static String restBaseUrl() {
    return "http://127.0.0.1:" + rest.getAddress().getPort();
  }

  public static String grpcTarget() {
    return "127.0.0.1:" + grpc.getPort();
  }

  /**
   * Sends the REST service one request over a plain socket, so that its own first-request work
   * (the JDK server's classes, its Date header's locale data) is done before a test times a
   * client's first call. A service in production is warm; this one starts with the test JVM.
   */
  public static void warmUpRest() {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), rest.getAddress().getPort())) {
      socket.getOutputStream().write(
          "GET /restaurants/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getInputStream().readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Lets every waiting {@code /slow} request answer, and makes the next ones wait again. */
  public static void releaseSlow() {
    slow.getAndSet(new CountDownLatch(1)).countDown();
  }

  private static HttpServer startRest() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "downstream-rest");
        t.setDaemon(true);
        return t;
      }));
      server.createContext("/restaurants/", exchange -> answer(exchange, id(exchange, "/restaurants/")));
      server.createContext("/slow/", exchange -> {
        try {
          slow.get().await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        answer(exchange, id(exchange, "/slow/"));
      });
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long id(HttpExchange exchange, String prefix) {
    return Long.parseLong(exchange.getRequestURI().getPath().substring(prefix.length()));
  }

  private static void answer(HttpExchange exchange, long id) throws IOException {
    byte[] body = ("{\"id\":" + id + ",\"name\":\"R" + id + "\",\"unknown\":true}").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    try {
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
    } catch (IOException e) {
      // the client gave up (a timeout test): nothing to answer
    } finally {
      exchange.close();
    }
  }

  private static Server startGrpc() {
    try {
      return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(new KitchenServiceGrpc.KitchenServiceImplBase() {
            @Override
            public void createTicket(CreateTicketRequest request, StreamObserver<Ticket> observer) {
              if (request.getRestaurantId() < 0) {
                observer.onError(Status.UNAVAILABLE.withDescription("kitchen closed").asRuntimeException());
                return;
              }
              observer.onNext(Ticket.newBuilder().setTicketId("t-" + request.getRestaurantId())
                  .setRestaurantId(request.getRestaurantId()).build());
              observer.onCompleted();
            }
          })
          .build()
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
