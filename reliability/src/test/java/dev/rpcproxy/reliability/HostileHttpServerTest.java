package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.http.HttpTransport;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Servers that misbehave on purpose: each failure gets a clear exception type and a bounded
 * message, no call outlives the client's timeout by more than {@link #SLACK_MS}, and afterwards no
 * OkHttp call is still running and no connection is still in use.
 */
class HostileHttpServerTest {
  private static final Duration TIMEOUT = Duration.ofMillis(800);
  private static final long SLACK_MS = 300;
  /** The call-time bound is judged net of the machine's stalls and GC pauses around each call. */
  private static MachinePauses pauses;

  @org.junit.jupiter.api.BeforeAll
  static void probe() {
    pauses = MachinePauses.start();
  }

  @org.junit.jupiter.api.AfterAll
  static void stopProbe() throws InterruptedException {
    pauses.close();
  }

  /** Asserts that a call from {@code t0} to now took less than the timeout plus slack, net of the machine's stalls. */
  private static void inTime(long t0) throws InterruptedException {
    pauses.assertTookLessThan(t0, TIMEOUT.toMillis() + SLACK_MS);
  }
  private static final String BODY_SECRET = "body-secret-4711";

  interface Api {
    @GET
    @Path("/item")
    ItemDto item();

    @GET
    @Path("/item")
    CompletableFuture<ItemDto> itemAsync();

    @GET
    @Path("/count")
    long count();

    @GET
    @Path("/text")
    String text();
  }

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private OkHttpClient okHttp;

  @AfterEach
  void noCallOrConnectionLeft() throws Exception {
    if (okHttp != null) {
      Dispatcher dispatcher = okHttp.dispatcher();
      await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
        assertThat(dispatcher.runningCallsCount()).as("running OkHttp calls").isZero();
        assertThat(dispatcher.queuedCallsCount()).as("queued OkHttp calls").isZero();
        assertThat(okHttp.connectionPool().connectionCount() - okHttp.connectionPool().idleConnectionCount())
            .as("connections in use").isZero();
      });
      dispatcher.executorService().shutdown();
      okHttp.connectionPool().evictAll();
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }

  private Api client(String baseUrl, long maxResponseBytes) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequests(1024);
    dispatcher.setMaxRequestsPerHost(1024);
    okHttp = new OkHttpClient.Builder().dispatcher(dispatcher).retryOnConnectionFailure(false).build();
    return RpcProxy.builder(Api.class)
        .name("hostile")
        .transport(HttpTransport.builder().baseUrl(baseUrl).client(okHttp).maxResponseBytes(maxResponseBytes).build())
        .policy(Policy.builder().timeout(TIMEOUT).build())
        .build();
  }

  private Api client(LoopbackHttpServer.Handler handler) {
    LoopbackHttpServer server = new LoopbackHttpServer(handler);
    closeables.add(server);
    return client(server.baseUrl(), HttpTransport.DEFAULT_MAX_RESPONSE_BYTES);
  }

  /** Runs {@code call}, asserting it fails within the timeout plus slack; returns the failure. */
  private static Throwable failsInTime(Runnable call) throws InterruptedException {
    long t0 = System.nanoTime();
    Throwable thrown = catchThrowable(call::run);
    inTime(t0);
    assertThat(thrown).isNotNull();
    assertThat(thrown.getMessage()).hasSizeLessThan(600).doesNotContain(BODY_SECRET);
    return thrown;
  }

  @Test
  void malformedJsonIsATransportFailureWithoutTheBodyInTheMessage() throws Exception {
    Api api = client(ex -> ex.respond(200, "application/json",
        ("{\"id\": 1, \"payload\": \"" + BODY_SECRET + "\", \"seq\": <html>").getBytes(StandardCharsets.UTF_8)));

    Throwable thrown = failsInTime(api::item);

    assertThat(thrown).isInstanceOf(RpcTransportException.class).hasMessageContaining("not valid JSON for ItemDto");
    assertThat(thrown.getCause()).isNotNull(); // the original cause is kept for debugging
  }

  @Test
  void invalidUtf8InAJsonBodyIsATransportFailure() throws Exception {
    byte[] body = concat("{\"id\": 1, \"seq\": 2, \"source\": \"".getBytes(StandardCharsets.UTF_8),
        new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE}, "\"}".getBytes(StandardCharsets.UTF_8));
    Api api = client(ex -> ex.respond(200, "application/json", body));

    assertThat(failsInTime(api::item)).isInstanceOf(RpcTransportException.class).hasMessageContaining("ItemDto");
  }

  @Test
  void invalidUtf8InAHugeErrorBodyLeavesABoundedDetail() throws Exception {
    byte[] garbage = new byte[200_000];
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = (byte) (0x80 + i % 0x7f); // continuation bytes without a lead: invalid UTF-8
    }
    Api api = client(ex -> ex.respond(503, "text/plain", garbage));

    Throwable thrown = failsInTime(api::item);

    assertThat(thrown).isInstanceOf(RemoteCallException.class);
    RemoteCallException remote = (RemoteCallException) thrown;
    assertThat(remote.status()).isEqualTo("503");
    assertThat(remote.detail().orElse("")).hasSizeLessThanOrEqualTo(256);
  }

  @Test
  void aDeclaredHugeBodyFailsWithoutBeingRead() throws Exception {
    Api api = client(ex -> {
      ex.writeRaw(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + (50L << 20) + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) ' ');
      for (int i = 0; i < 800 && !ex.awaitClientGone(1); i++) {
        ex.writeRaw(chunk);
      }
      ex.closeConnection();
    });

    assertThat(failsInTime(api::item)).isInstanceOf(RpcTransportException.class)
        .hasMessageContaining("declares 52428800 bytes").hasMessageContaining("maxResponseBytes");
  }

  @Test
  void anUndeclaredHugeBodyIsCutAtTheLimit() throws Exception {
    LoopbackHttpServer server = new LoopbackHttpServer(ex -> {
      ex.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) 'x');
      for (int i = 0; i < 800; i++) {
        ex.writeRaw(chunk); // 50 MiB unless the client stops reading and hangs up
      }
      ex.closeConnection();
    });
    closeables.add(server);
    Api api = client(server.baseUrl(), 1 << 20);

    assertThat(failsInTime(api::text)).isInstanceOf(RpcTransportException.class)
        .hasMessageContaining("is larger than maxResponseBytes (1048576)");
  }

  @Test
  void hugeResponseHeadersAreATransportFailure() throws Exception {
    String huge = "h".repeat(1 << 20);
    Api api = client(ex -> ex.respond(200, "application/json", "{}".getBytes(StandardCharsets.UTF_8),
        Map.of("X-Huge", huge)));

    Throwable thrown = failsInTime(api::item);

    assertThat(thrown).isInstanceOf(RpcTransportException.class);
    assertThat(thrown.getMessage()).doesNotContain("hhhhhhhhhh");
  }

  @Test
  void anEmptyBodyForAPrimitiveIsATransportFailure() throws Exception {
    Api api = client(ex -> ex.respond(200, "application/json", new byte[0]));

    assertThat(failsInTime(api::count)).isInstanceOf(RpcTransportException.class).hasMessageContaining("empty body");
  }

  @Test
  void aBodyDribbledByteByByteEndsAtTheDeadline() throws Exception {
    Api api = client(ex -> {
      ex.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
          .getBytes(StandardCharsets.ISO_8859_1));
      while (!ex.awaitClientGone(50)) {
        ex.writeRaw(new byte[] {' '}); // slow loris: always a little progress, never the end
      }
    });

    assertThat(failsInTime(api::item)).isInstanceOf(RpcTimeoutException.class);
  }

  @Test
  void headersDribbledByteByByteEndAtTheDeadline() throws Exception {
    byte[] head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: ".getBytes(StandardCharsets.ISO_8859_1);
    Api api = client(ex -> {
      for (int i = 0; !ex.awaitClientGone(50); i++) {
        ex.writeRaw(new byte[] {i < head.length ? head[i] : (byte) 'a'});
      }
    });

    assertThat(failsInTime(api::item)).isInstanceOf(RpcTimeoutException.class);
  }

  @Test
  void aServerThatClosesMidBodyIsATransportFailure() throws Exception {
    Api api = client(ex -> {
      ex.writeRaw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"id\": 1,"
          .getBytes(StandardCharsets.ISO_8859_1));
      ex.closeConnection();
    });

    assertThat(failsInTime(api::item)).isInstanceOf(RpcTransportException.class);
  }

  @Test
  void aConnectionResetIsARetryableTransportFailure() throws Exception {
    Api api = client(LoopbackHttpServer.Exchange::reset);

    Throwable thrown = failsInTime(api::item);

    assertThat(thrown).isInstanceOf(RpcTransportException.class);
    assertThat(((RpcTransportException) thrown).isRetryable()).isTrue();
  }

  @Test
  void aServerThatAcceptsAndNeverAnswersEndsAtTheDeadline() throws Exception {
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread acceptor = new Thread(() -> {
      try {
        while (true) {
          accepted.add(silent.accept()); // and never read, never write
        }
      } catch (IOException closed) {
        // test over
      }
    }, "test-silent-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    closeables.add(() -> {
      silent.close();
      for (Socket s : accepted) {
        s.close();
      }
    });
    Api api = client("http://127.0.0.1:" + silent.getLocalPort(), HttpTransport.DEFAULT_MAX_RESPONSE_BYTES);

    assertThat(failsInTime(api::item)).isInstanceOf(RpcTimeoutException.class);
    Throwable async = failsInTime(() -> api.itemAsync().join());
    assertThat(async.getCause()).isInstanceOf(RpcTimeoutException.class);
  }

  @Test
  void asyncCallsFailTheSameWay() throws Exception {
    Api api = client(ex -> ex.respond(200, "application/json", "{\"id\": ".getBytes(StandardCharsets.UTF_8)));

    long t0 = System.nanoTime();
    CompletableFuture<ItemDto> future = api.itemAsync();
    // Awaited well past the bound, so a late answer is measured (and judged) rather than cut off.
    Throwable thrown = catchThrowable(() -> future.get(TIMEOUT.toMillis() + 30_000, TimeUnit.MILLISECONDS));
    inTime(t0);

    assertThat(thrown).isInstanceOf(ExecutionException.class).cause().isInstanceOf(RpcTransportException.class);
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] p : parts) {
      length += p.length;
    }
    byte[] out = new byte[length];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
