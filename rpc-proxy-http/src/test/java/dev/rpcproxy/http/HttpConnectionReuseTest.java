package dev.rpcproxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Concurrent blocking calls keep their connections: a keep-alive HTTP/1.1 server on loopback
 * counts the TCP connections it accepts and answers each round of requests only when the whole
 * round has arrived, so every round really has {@link #CALLERS} calls in flight at once.
 *
 * <p>Regression: the transport's own client had OkHttp's default pool (5 idle connections), so
 * after each round all but 5 of the connections were closed and the next round opened them again:
 * a TCP connect (and with TLS a handshake) for most calls, thousands of sockets in TIME_WAIT, and
 * far fewer requests at the server at once than the bulkhead allowed.
 */
class HttpConnectionReuseTest {
  static final int CALLERS = 64;
  static final int ROUNDS = 20;

  interface Service {
    @GET @Path("/ping")
    String ping();
  }

  private RoundServer server;
  private ExecutorService callers;
  private final List<Object> proxies = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = new RoundServer(CALLERS);
    callers = Executors.newFixedThreadPool(CALLERS);
  }

  @AfterEach
  void stop() throws IOException {
    proxies.forEach(RpcProxy::close);
    callers.shutdownNow();
    server.close();
  }

  @Test
  void concurrentBlockingCallsReuseTheirConnectionsRoundAfterRound() throws Exception {
    Service api = client(HttpTransport.builder().baseUrl(server.url()).build());

    callRounds(api);

    assertThat(server.requests.get()).isEqualTo(CALLERS * ROUNDS);
    // One connection per concurrent call, opened in the first round and kept; a few more at most
    // where a call found its predecessor's connection not yet back in the pool.
    assertThat(server.accepted.get()).isBetween(CALLERS, CALLERS + 8);
  }

  @Test
  void aGivenClientKeepsItsOwnConnectionPool() throws Exception {
    ConnectionPool pool = new ConnectionPool(CALLERS, 1, TimeUnit.MINUTES);
    OkHttpClient given = new OkHttpClient.Builder().connectionPool(pool).build();
    try {
      HttpTransport transport = HttpTransport.builder().baseUrl(server.url()).client(given).build();
      assertThat(transport.okHttpClient().connectionPool()).isSameAs(pool);

      callRounds(client(transport));

      assertThat(server.accepted.get()).isBetween(CALLERS, CALLERS + 8);
    } finally {
      given.dispatcher().executorService().shutdown();
      pool.evictAll();
    }
  }

  private Service client(HttpTransport transport) {
    Service api = RpcProxy.builder(Service.class)
        .transport(transport)
        .policy(Policy.builder().maxConcurrentCalls(CALLERS).timeout(Duration.ofSeconds(20)).build())
        .build();
    proxies.add(api);
    return api;
  }

  /**
   * {@link #CALLERS} threads make {@link #ROUNDS} blocking calls each, a round starting when every
   * call of the one before has returned (so all connections are idle between rounds); fails on the
   * first failed call.
   */
  private void callRounds(Service api) throws Exception {
    CyclicBarrier roundDone = new CyclicBarrier(CALLERS);
    List<Future<?>> results = new ArrayList<>();
    for (int t = 0; t < CALLERS; t++) {
      results.add(callers.submit(() -> {
        for (int round = 0; round < ROUNDS; round++) {
          assertThat(api.ping()).isEqualTo("pong");
          roundDone.await(20, TimeUnit.SECONDS);
        }
        return null;
      }));
    }
    for (Future<?> result : results) {
      result.get(30, TimeUnit.SECONDS);
    }
    assertThat(server.failures).isEmpty();
  }

  /**
   * A minimal keep-alive HTTP/1.1 server: a thread per connection, which reads each request's
   * head and answers {@code pong} once {@code round} requests are waiting (a barrier per round).
   */
  static final class RoundServer implements AutoCloseable {
    private static final byte[] ANSWER = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        + "Content-Length: 4\r\n\r\npong").getBytes(StandardCharsets.US_ASCII);

    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final ServerSocket socket;
    private final CyclicBarrier round;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Socket> connections = new ConcurrentLinkedQueue<>();

    RoundServer(int roundSize) throws IOException {
      socket = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
      round = new CyclicBarrier(roundSize);
      threads.execute(this::accept);
    }

    String url() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    private void accept() {
      while (!socket.isClosed()) {
        try {
          Socket connection = socket.accept();
          accepted.incrementAndGet();
          connections.add(connection);
          threads.execute(() -> serve(connection));
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void serve(Socket connection) {
      try (connection) {
        BufferedReader in = new BufferedReader(
            new InputStreamReader(connection.getInputStream(), StandardCharsets.US_ASCII));
        OutputStream out = connection.getOutputStream();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          if (!line.isEmpty()) {
            continue; // request line and headers; a GET has no body
          }
          requests.incrementAndGet();
          round.await(20, TimeUnit.SECONDS);
          out.write(ANSWER);
          out.flush();
        }
      } catch (IOException closedByClient) {
        // the client closed its connection
      } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
        if (!socket.isClosed()) {
          failures.add(e);
        }
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
      for (Socket connection : connections) {
        connection.close();
      }
      threads.shutdownNow();
    }
  }
}
