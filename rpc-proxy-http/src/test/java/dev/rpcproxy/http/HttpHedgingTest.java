package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rpcproxy.Endpoints;
import dev.rpcproxy.HedgePolicy;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hedged attempts over real sockets: a stuck first attempt is answered by the hedge long before
 * the deadline, the server sees the loser hang up, POST is never hedged, nothing is left behind,
 * and each attempt can say how much time it has left in a header.
 */
@Timeout(30)
class HttpHedgingTest {
  interface Menu {
    @GET @Path("/menu")
    String menu();

    @POST @Path("/orders")
    String order(String body);
  }

  private final List<Stuck> servers = new ArrayList<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final OkHttpClient client = new OkHttpClient.Builder().retryOnConnectionFailure(false).build();

  @AfterEach
  void close() throws IOException {
    for (Stuck s : servers) {
      s.close();
    }
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }

  @Test
  void aStuckFirstAttemptIsAnsweredByTheHedgeAndTheServerSeesTheLoserHangUp() throws Exception {
    Stuck server = start(1);
    Menu menu = client(HttpTransport.builder().client(client).baseUrl(server.url()).build());

    long start = System.nanoTime();
    assertThat(menu.menu()).isEqualTo("\"menu\"");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(tookMillis).as("ms, against a 5 s deadline").isLessThan(2_000);
    assertThat(server.requests.get()).isEqualTo(2);
    assertThat(server.hungUp.await(5, TimeUnit.SECONDS)).as("loser's connection closed by the client").isTrue();
    assertThat(client.dispatcher().runningCallsCount()).isZero();
    assertThat(registry.get("rpc.client.attempts").tags("kind", "hedge").counter().count()).isEqualTo(1);
  }

  @Test
  void aHedgeGoesToAnotherEndpoint() throws Exception {
    Stuck a = start(1);
    Stuck b = start(1);
    AtomicInteger firstOfAll = new AtomicInteger();
    a.stuckWhile = () -> firstOfAll.getAndIncrement() == 0;
    b.stuckWhile = () -> firstOfAll.getAndIncrement() == 0;
    Menu menu = client(HttpTransport.builder().client(client)
        .endpoints(Endpoints.of(a.url(), b.url())).build());

    assertThat(menu.menu()).isEqualTo("\"menu\"");
    assertThat(a.requests.get()).isEqualTo(1);
    assertThat(b.requests.get()).isEqualTo(1);
  }

  @Test
  void postIsNeverHedged() {
    Stuck server = start(Integer.MAX_VALUE);
    Menu menu = RpcProxy.builder(Menu.class).name("menu")
        .transport(HttpTransport.builder().client(client).baseUrl(server.url()).build())
        .policy(Policy.builder().timeout(Duration.ofMillis(300))
            .hedge(HedgePolicy.builder().maxAttempts(3).delay(Duration.ofMillis(20)).build()).build())
        .build();
    assertThatThrownBy(() -> menu.order("{}")).isInstanceOf(RpcTimeoutException.class);
    assertThat(server.requests.get()).isEqualTo(1);
  }

  @Test
  void eachAttemptSendsTheTimeItHasLeft() {
    Stuck server = start(0);
    Menu menu = RpcProxy.builder(Menu.class).name("menu")
        .transport(HttpTransport.builder().client(client).baseUrl(server.url())
            .deadlineHeader("X-Request-Timeout").build())
        .policy(Policy.builder().timeout(Duration.ofMillis(800)).build())
        .build();
    menu.menu();
    String sent = server.headers.get(0).get("x-request-timeout");
    assertThat(Long.parseLong(sent)).isBetween(1L, 800L);
  }

  @Test
  void aBadDeadlineHeaderNameFailsAtBuild() {
    assertThatThrownBy(() -> HttpTransport.builder().deadlineHeader("X Timeout"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deadlineHeader");
  }

  private Menu client(HttpTransport transport) {
    return RpcProxy.builder(Menu.class).name("menu").transport(transport).meterRegistry(registry)
        .policy(Policy.builder().timeout(Duration.ofSeconds(5))
            .hedge(HedgePolicy.builder().maxAttempts(2).delay(Duration.ofMillis(50)).build()).build())
        .build();
  }

  private Stuck start(int stuckRequests) {
    try {
      Stuck s = new Stuck(stuckRequests);
      servers.add(s);
      return s;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A raw HTTP/1.1 server on loopback: the first {@code stuck} requests get no answer (it waits
   * until the client hangs up, and counts that), the others get {@code 200 "menu"}.
   */
  static final class Stuck implements AutoCloseable {
    final AtomicInteger requests = new AtomicInteger();
    final CountDownLatch hungUp = new CountDownLatch(1);
    final List<Map<String, String>> headers = new CopyOnWriteArrayList<>();
    volatile java.util.function.BooleanSupplier stuckWhile;
    private final ServerSocket socket;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    Stuck(int stuck) throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      AtomicInteger left = new AtomicInteger(stuck);
      stuckWhile = () -> left.getAndDecrement() > 0;
      pool.execute(() -> {
        while (!socket.isClosed()) {
          try {
            Socket s = socket.accept();
            open.add(s);
            pool.execute(() -> serve(s));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    private void serve(Socket s) {
      try (s) {
        InputStream in = s.getInputStream();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
        OutputStream out = s.getOutputStream();
        while (true) {
          String line = reader.readLine();
          if (line == null) {
            return;
          }
          Map<String, String> seen = new ConcurrentHashMap<>();
          int length = 0;
          for (String h = reader.readLine(); h != null && !h.isEmpty(); h = reader.readLine()) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            seen.put(name, value);
            if (name.equals("content-length")) {
              length = Integer.parseInt(value);
            }
          }
          for (int i = 0; i < length; i++) {
            reader.read();
          }
          headers.add(seen);
          requests.incrementAndGet();
          if (stuckWhile.getAsBoolean()) {
            if (reader.read() == -1) { // blocks until the client hangs up
              hungUp.countDown();
            }
            return;
          }
          byte[] body = "\"menu\"".getBytes(StandardCharsets.UTF_8);
          out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
              + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.write(body);
          out.flush();
        }
      } catch (IOException e) {
        hungUp.countDown(); // a reset is a hang-up too
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket s : open) {
        s.close();
      }
      pool.shutdownNow();
    }
  }
}
