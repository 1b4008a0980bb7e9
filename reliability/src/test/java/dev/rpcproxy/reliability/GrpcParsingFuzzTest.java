package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RetryPolicy;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.ItemRequest;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes what {@code GrpcTransport} parses and translates (response messages into protobuf
 * records, unary-call framing of 0 or 2 messages, statuses, descriptions, pushback trailers) with
 * {@link GrpcAnswerFuzzer}'s seeded cases, sent by a Netty server with a raw byte marshaller. The
 * HTTP/2 framing itself is grpc-netty's and is not fuzzed here. Property as in
 * {@link HttpParsingFuzzTest}: every call ends within its deadline plus {@link #SLACK_MS} with a
 * value or a documented exception, and no call stays open on either side.
 */
@Tag("fuzz")
class GrpcParsingFuzzTest {
  /** Call times are judged net of the machine's stalls and GC pauses around each call. */
  private final MachinePauses pauses = MachinePauses.start();

  @org.junit.jupiter.api.AfterEach
  void stopProbe() throws InterruptedException {
    pauses.close();
  }

  private static final Duration TIMEOUT = Duration.ofMillis(300);
  /** A 5 MiB answer is written, framed and refused within a call on 2 shared cores. */
  private static final long SLACK_MS = 300;
  private static final Set<Class<?>> DOCUMENTED = Set.of(RpcTransportException.class, RemoteCallException.class,
      RpcTimeoutException.class);
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  @Test
  void everyGeneratedAnswerEndsInTimeWithADocumentedOutcome() throws Exception {
    int cases = Integer.getInteger("fuzz.cases", 120);
    long seed = Long.getLong("fuzz.seed", 18);
    GrpcAnswerFuzzer fuzzer = new GrpcAnswerFuzzer(seed);
    GrpcAnswerFuzzer.Case[] current = new GrpcAnswerFuzzer.Case[1];
    InFlightCounter serverCalls = new InFlightCounter();
    ServerServiceDefinition service = ServerServiceDefinition.builder(InventoryGrpc.SERVICE_NAME)
        .addMethod(InventoryGrpc.getGetItemMethod().toBuilder(BYTES, BYTES).build(),
            ServerCalls.asyncUnaryCall((request, observer) -> {
              ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) observer;
              serverCalls.arrive();
              boolean[] left = new boolean[1];
              Runnable leave = () -> {
                synchronized (left) {
                  if (!left[0]) {
                    left[0] = true;
                    serverCalls.leave();
                  }
                }
              };
              call.setOnCancelHandler(leave::run);
              GrpcAnswerFuzzer.Case c = current[0];
              if (c.hang()) {
                return; // the client's deadline (which the server sees) cancels it
              }
              try {
                for (int i = 0; i < c.messages(); i++) {
                  call.onNext(c.message());
                }
                if (c.status().isOk()) {
                  call.onCompleted();
                } else {
                  Metadata trailers = new Metadata();
                  if (c.pushback() != null) {
                    trailers.put(GrpcAnswerFuzzer.PUSHBACK, c.pushback());
                  }
                  call.onError(c.status().asRuntimeException(trailers));
                }
              } catch (RuntimeException cancelled) {
                // the client gave up first
              } finally {
                leave.run();
              }
            }))
        .build();
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(service).build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    ChaosHarness.ActiveCalls clientCalls = new ChaosHarness.ActiveCalls();
    GrpcInventory api = RpcProxy.builder(GrpcInventory.class).name("fuzz-grpc")
        .transport(GrpcTransport.builder(channel, InventoryGrpc.getServiceDescriptor()).interceptors(clientCalls).build())
        .policy(Policy.builder().timeout(TIMEOUT)
            .retry(RetryPolicy.builder().maxAttempts(2).backoff(Duration.ofMillis(1), Duration.ofMillis(5)).build())
            .circuitBreaker(CircuitBreakerConfig.custom().slidingWindowSize(1_000).minimumNumberOfCalls(1_000)
                .failureRateThreshold(100).build())
            .build())
        .build();
    CallRecorder calls = new CallRecorder("gRPC answer fuzz, seed " + seed, TIMEOUT);
    List<String> broken = new ArrayList<>();
    try {
      // Warm up (cold JVM: Netty and protobuf load on the first call), outside the measure.
      // A 3 MB answer too: the first large message also pays for JIT and heap growth (finding 5).
      current[0] = new GrpcAnswerFuzzer.Case(-1, "none", new byte[0], 1, io.grpc.Status.OK, null, false);
      InventoryGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).getItem(ItemRequest.getDefaultInstance());
      current[0] = new GrpcAnswerFuzzer.Case(-1, "none", dev.rpcproxy.reliability.proto.Item.newBuilder()
          .setPayload("w".repeat(3 << 20)).build().toByteArray(), 1, io.grpc.Status.OK, null, false);
      for (int i = 0; i < 3; i++) {
        InventoryGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).getItem(ItemRequest.getDefaultInstance());
        api.getItemAsync(ItemRequest.getDefaultInstance()).exceptionally(e -> null).get(10, TimeUnit.SECONDS);
      }
      ItemRequest request = ItemRequest.newBuilder().setId(1).build();
      for (int i = 0; i < cases; i++) {
        GrpcAnswerFuzzer.Case c = fuzzer.next();
        current[0] = c;
        long t0 = System.nanoTime();
        Object outcome = calls.call(() -> c.index() % 2 == 0
            ? api.getItem(request)
            : api.getItemAsync(request).get(TIMEOUT.toMillis() + 5_000, TimeUnit.MILLISECONDS));
        long ended = System.nanoTime();
        // Judged net of what the machine took around the call (its stalls and GC pauses).
        long tookMs = TimeUnit.NANOSECONDS.toMillis(ended - t0 - pauses.lostAroundSettled(t0, ended));
        if (tookMs > TIMEOUT.toMillis() + SLACK_MS) {
          broken.add(c + " took " + tookMs + " ms net of the machine's stalls");
        }
        if (outcome instanceof Throwable t && !DOCUMENTED.contains(t.getClass())) {
          broken.add(c + " ended with " + t);
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (clientCalls.open.get() > 0 || serverCalls.inFlight() > 0) {
        if (System.nanoTime() > deadline) {
          broken.add("leak: " + clientCalls.open.get() + " client calls and " + serverCalls.inFlight()
              + " server calls open 5 s after the last call");
          break;
        }
        Thread.sleep(5);
      }
    } finally {
      RpcProxy.close(api);
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    calls.row(0, 0, broken.size());
    assertThat(broken).as("cases that broke the property").isEmpty();
    assertThat(calls.calls()).isEqualTo(cases);
  }
}
