package dev.rpcproxy.spring.internal;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.http.BodyCodec;
import dev.rpcproxy.http.HttpTransport;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes two REST calls (one blocking, one asynchronous) through a throwaway client to a loopback
 * socket of its own, once per JVM, when the first REST client bean is built. A JVM's first call
 * loads and links a few hundred classes (the call pipeline, OkHttp's connection, HTTP/1.1 and
 * dispatcher code, Jackson's parser and creator path, Micrometer's observation and timers): about
 * 300 ms on a cold JVM, enough to time out a client with a short timeout. Done here, that cost is
 * paid at startup instead of by the application's first request.
 *
 * <p>Nothing leaves the machine: the server is a {@link ServerSocket} on the loopback address that
 * answers the two requests and closes. The throwaway client has its own OkHttp client (no proxy,
 * none of the application's interceptors), meter registry and observation registry, so the
 * application's metrics, traces and clients see nothing of it. A failure is logged at debug level
 * and otherwise ignored: it only means the first call stays cold.
 */
final class RestWarmUp {
  private static final Logger log = LoggerFactory.getLogger(RestWarmUp.class);
  private static final AtomicBoolean done = new AtomicBoolean();
  private static final Duration BOUND = Duration.ofSeconds(5);
  private static final byte[] ANSWER = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      + "Content-Length: 15\r\nConnection: close\r\n\r\n{\"status\":\"ok\"}").getBytes(StandardCharsets.US_ASCII);

  /** The throwaway client's interface. */
  public interface Api {
    /** A blocking call. */
    @GET
    @Path("/warm-up")
    Pong blocking();

    /** An asynchronous call. */
    @GET
    @Path("/warm-up")
    CompletableFuture<Pong> async();
  }

  /** The answer's JSON: a record, so that Jackson's creator path is warmed too. */
  public record Pong(String status) {}

  private RestWarmUp() {}

  /**
   * Runs the warm-up if no client in this JVM ran it yet.
   *
   * @param codecs the codec factory the application's client uses, or {@code null} for the default
   */
  static void once(BodyCodec.Factory codecs) {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    long start = System.nanoTime();
    try (ServerSocket server = new ServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout((int) BOUND.toMillis());
      Thread answering = new Thread(() -> answer(server, 2), "rpc-proxy-warm-up");
      answering.setDaemon(true);
      answering.start();
      call(server.getLocalPort(), codecs);
      answering.join(BOUND.toMillis());
      log.debug("REST warm-up took {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } catch (Exception | LinkageError e) {
      log.debug("REST warm-up failed; the first call will load what it needs", e);
    }
  }

  private static void call(int port, BodyCodec.Factory codecs) throws Exception {
    okhttp3.OkHttpClient okHttp = new okhttp3.OkHttpClient.Builder().proxy(java.net.Proxy.NO_PROXY).build();
    HttpTransport.Builder http = HttpTransport.builder()
        .baseUrl("http://" + InetAddress.getLoopbackAddress().getHostAddress() + ":" + port)
        .client(okHttp);
    if (codecs != null) {
      http.codec(codecs);
    }
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ObservationRegistry observations = ObservationRegistry.create();
    observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    HttpTransport transport = http.build();
    Api api = RpcProxy.builder(Api.class).name("rpc-proxy-warm-up").transport(transport)
        .policy(Policy.builder().timeout(BOUND).build())
        .meterRegistry(meters).observationRegistry(observations).build();
    try {
      api.blocking();
      api.async().get(BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      RpcProxy.close(api);
      transport.close();
      okHttp.dispatcher().executorService().shutdown();
      okHttp.connectionPool().evictAll();
      meters.close();
    }
  }

  /** Answers {@code requests} requests, one per connection, then returns. */
  private static void answer(ServerSocket server, int requests) {
    for (int i = 0; i < requests; i++) {
      try (Socket socket = server.accept()) {
        socket.setSoTimeout((int) BOUND.toMillis());
        readHead(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        out.write(ANSWER);
        out.flush();
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Reads up to the blank line that ends a request's head (a GET has no body). */
  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    int b;
    while (matched < 4 && (b = in.read()) >= 0) {
      matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }
}
