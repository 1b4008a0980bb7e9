package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.HedgePolicy;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every REST attempt says its number within its call ({@code X-Rpc-Attempt: 1, 2, ...}), so that
 * a server can shed retries and hedges before first attempts (issue 27).
 */
@Timeout(30)
class HttpAttemptHeaderTest {
  interface Menu {
    @GET @Path("/menu")
    String menu();
  }

  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private HttpServer server;

  private String start(Handler handler) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
    server.setExecutor(threads);
    server.createContext("/menu", exchange -> {
      int n = requests.incrementAndGet();
      seen.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-Rpc-Attempt")));
      try {
        handler.handle(n, exchange);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        exchange.close();
      }
    });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  interface Handler {
    void handle(int request, HttpExchange exchange) throws IOException, InterruptedException;
  }

  @AfterEach
  void stop() {
    release.countDown();
    if (server != null) {
      server.stop(0);
    }
    threads.shutdownNow();
  }

  private static void answer(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Test
  void aFirstAttemptAndTwoRetriesSayOneTwoThree() throws IOException {
    String url = start((n, exchange) -> answer(exchange, n < 3 ? 503 : 200, "menu"));
    Menu menu = RpcProxy.builder(Menu.class).name("menu")
        .transport(HttpTransport.builder().baseUrl(url).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(5))
            .retry(RetryPolicy.builder().maxAttempts(3).backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build())
            .build())
        .build();
    try {
      assertThat(menu.menu()).isEqualTo("menu");
    } finally {
      RpcProxy.close(menu);
    }
    assertThat(seen).containsExactly("1", "2", "3");
  }

  @Test
  void aHedgeSaysItIsTheSecondAttempt() throws Exception {
    String url = start((n, exchange) -> {
      if (n == 1) {
        release.await(10, TimeUnit.SECONDS); // the first attempt is stuck until the test ends
      }
      answer(exchange, 200, "menu");
    });
    Menu menu = RpcProxy.builder(Menu.class).name("menu")
        .transport(HttpTransport.builder().baseUrl(url).build())
        .policy(Policy.builder().timeout(Duration.ofSeconds(5))
            .hedge(HedgePolicy.builder().maxAttempts(2).delay(Duration.ofMillis(20)).build()).build())
        .build();
    try {
      assertThat(menu.menu()).isEqualTo("menu");
    } finally {
      RpcProxy.close(menu);
    }
    assertThat(seen).containsExactly("1", "2");
  }
}
