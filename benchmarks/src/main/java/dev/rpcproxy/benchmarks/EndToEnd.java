package dev.rpcproxy.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.rpcproxy.Policy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.benchmarks.grpc.Quote;
import dev.rpcproxy.benchmarks.grpc.QuoteRequest;
import dev.rpcproxy.benchmarks.grpc.QuoteServiceGrpc;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.http.HttpTransport;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * End to end over loopback: the raw client against rpc-proxy on the same client, the same server
 * and the same payload, so the difference is rpc-proxy's whole cost (pipeline, binding, codec).
 *
 * <ul>
 *   <li>{@code rest_rawOkHttp}: build the request, {@code execute()}, read the body with Jackson.
 *   <li>{@code rest_rpcProxy}: {@code HttpTransport} on the same {@code OkHttpClient}, full policy
 *       (deadline 1 s, bulkhead 64, breaker, metrics).
 *   <li>{@code grpc_rawBlockingStub}: the generated blocking stub with a 1 s deadline.
 *   <li>{@code grpc_rpcProxy}: {@code GrpcTransport} on the same channel, full policy.
 * </ul>
 *
 * <p>Servers are started here: a JDK {@code HttpServer} answering a fixed JSON quote, and a Netty
 * gRPC server; both on 127.0.0.1. Throughput in ops/ms; sample mode gives p50/p99 in ms/op.
 */
@BenchmarkMode({Mode.Throughput, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MILLISECONDS)
// The JDK HttpServer otherwise waits for the client's delayed ACK (Nagle): ~40 ms per answer.
@Fork(value = 1, jvmArgsAppend = "-Dsun.net.httpserver.nodelay=true")
public class EndToEnd {

  /** The REST service, declared the way a user would. */
  public interface QuotesRest {
    @GET
    @Path("/quotes/{id}")
    RestQuote quote(@PathParam("id") long id);
  }

  /** The JSON body. */
  public record RestQuote(long id, long price) {}

  /** The gRPC service, as rpc-proxy binds it. */
  public interface QuotesGrpc {
    Quote getQuote(QuoteRequest request);
  }

  /** Servers and clients, shared by the benchmark threads. */
  @State(Scope.Benchmark)
  public static class Loopback {
    HttpServer http;
    ExecutorService httpExecutor;
    Server grpc;
    OkHttpClient okHttp;
    ObjectMapper mapper;
    String restUrl;
    QuotesRest rest;
    ManagedChannel channel;
    QuoteServiceGrpc.QuoteServiceBlockingStub stub;
    QuotesGrpc grpcProxy;

    @Setup(Level.Trial)
    public void start() throws IOException {
      byte[] body = "{\"id\":42,\"price\":1999}".getBytes(StandardCharsets.UTF_8);
      http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
      httpExecutor = Executors.newFixedThreadPool(4);
      http.setExecutor(httpExecutor);
      http.createContext("/quotes/", exchange -> {
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      http.start();
      restUrl = "http://127.0.0.1:" + http.getAddress().getPort();

      grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .addService(new QuoteServiceGrpc.QuoteServiceImplBase() {
            @Override
            public void getQuote(QuoteRequest request, StreamObserver<Quote> response) {
              response.onNext(Quote.newBuilder().setId(request.getId()).setPrice(1999).build());
              response.onCompleted();
            }
          })
          .build().start();
      channel = NettyChannelBuilder.forAddress("127.0.0.1", grpc.getPort()).usePlaintext().build();
      stub = QuoteServiceGrpc.newBlockingStub(channel);

      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequests(1024);
      dispatcher.setMaxRequestsPerHost(1024);
      okHttp = new OkHttpClient.Builder().dispatcher(dispatcher).build();
      mapper = new ObjectMapper();

      Policy policy = Policy.builder()
          .timeout(Duration.ofSeconds(1))
          .maxConcurrentCalls(64)
          .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(100).build())
          .build();
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      rest = RpcProxy.builder(QuotesRest.class).name("rest")
          .transport(HttpTransport.builder().baseUrl(restUrl).client(okHttp).build())
          .policy(policy).meterRegistry(registry).build();
      grpcProxy = RpcProxy.builder(QuotesGrpc.class).name("grpc")
          .transport(GrpcTransport.builder(channel, QuoteServiceGrpc.getServiceDescriptor()).build())
          .policy(policy).meterRegistry(registry).build();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      http.stop(0);
      httpExecutor.shutdownNow();
      okHttp.dispatcher().executorService().shutdown();
      okHttp.connectionPool().evictAll();
    }
  }

  @Benchmark
  @Threads(2)
  public RestQuote rest_rawOkHttp(Loopback s) throws IOException {
    Request request = new Request.Builder().url(s.restUrl + "/quotes/42").get().build();
    okhttp3.Call call = s.okHttp.newCall(request);
    call.timeout().timeout(1, TimeUnit.SECONDS);
    try (Response response = call.execute()) {
      if (!response.isSuccessful()) {
        throw new IOException("status " + response.code());
      }
      return s.mapper.readValue(response.body().byteStream(), RestQuote.class);
    }
  }

  @Benchmark
  @Threads(2)
  public RestQuote rest_rpcProxy(Loopback s) {
    return s.rest.quote(42);
  }

  @Benchmark
  @Threads(2)
  public Quote grpc_rawBlockingStub(Loopback s) {
    return s.stub.withDeadlineAfter(1, TimeUnit.SECONDS)
        .getQuote(QuoteRequest.newBuilder().setId(42).build());
  }

  @Benchmark
  @Threads(2)
  public Quote grpc_rpcProxy(Loopback s) {
    return s.grpcProxy.getQuote(QuoteRequest.newBuilder().setId(42).build());
  }
}
