package dev.rpcproxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.rpcproxy.Policy;
import dev.rpcproxy.RemoteCallException;
import dev.rpcproxy.RpcException;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.RpcTimeoutException;
import dev.rpcproxy.RpcTransportException;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * gRPC servers that misbehave: silent sockets, undecodable and oversized responses, hangs. Each
 * ends within the deadline plus slack, as the service's failure (never the caller's), and leaves
 * no call open.
 */
class HostileGrpcServerTest {
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

  private static GrpcInventory client(ManagedChannel channel, ChaosHarness.ActiveCalls active) {
    return RpcProxy.builder(GrpcInventory.class)
        .name("hostile-grpc")
        .transport(GrpcTransport.builder(channel, InventoryGrpc.getServiceDescriptor()).interceptors(active).build())
        .policy(Policy.builder().timeout(TIMEOUT).build())
        .build();
  }

  private static Throwable failsInTime(Runnable call) throws InterruptedException {
    long t0 = System.nanoTime();
    Throwable thrown = catchThrowable(call::run);
    inTime(t0);
    if (thrown instanceof CompletionException) {
      thrown = thrown.getCause();
    }
    assertThat(thrown).isInstanceOf(RpcException.class);
    assertThat(thrown.getMessage()).hasSizeLessThan(600);
    if (thrown instanceof RemoteCallException remote) {
      assertThat(remote.isClientError()).as("the server's misbehaviour is not the caller's error").isFalse();
    }
    return thrown;
  }

  private static ItemRequest request() {
    return ItemRequest.newBuilder().setId(1).build();
  }

  @Test
  void aServerThatAcceptsAndNeverAnswersEndsAtTheDeadline() throws Exception {
    List<Socket> accepted = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept());
          }
        } catch (IOException closed) {
          // test over
        }
      }, "test-silent-grpc-accept");
      acceptor.setDaemon(true);
      acceptor.start();
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", silent.getLocalPort()).usePlaintext().build();
      ChaosHarness.ActiveCalls active = new ChaosHarness.ActiveCalls();
      GrpcInventory api = client(channel, active);

      assertThat(failsInTime(() -> api.getItem(request()))).isInstanceOf(RpcTimeoutException.class);
      assertThat(failsInTime(() -> api.getItemAsync(request()).join())).isInstanceOf(RpcTimeoutException.class);
      // The caller's future fails at the deadline; the cancelled RPC closes a moment later.
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(2))
          .untilAsserted(() -> assertThat(active.open).as("client calls open").hasValue(0));
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } finally {
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void undecodableResponsesAndHangsAreTheServicesFailures() throws Exception {
    FaultInjector faults = new FaultInjector(9);
    try (ChaosGrpcServer server = new ChaosGrpcServer(faults)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      ChaosHarness.ActiveCalls active = new ChaosHarness.ActiveCalls();
      GrpcInventory api = client(channel, active);

      faults.force(FaultInjector.Fault.MALFORMED);
      Throwable malformed = failsInTime(() -> api.getItem(request()));
      // grpc-java cancels the call on a message it cannot parse: a transport failure on our side.
      assertThat(malformed).isInstanceOf(RpcTransportException.class);
      assertThat(((RpcTransportException) malformed).isRetryable()).isFalse();
      assertThat(failsInTime(() -> api.getItemAsync(request()).join())).isInstanceOf(RpcTransportException.class);

      faults.force(FaultInjector.Fault.HANG);
      assertThat(failsInTime(() -> api.getItem(request()))).isInstanceOf(RpcTimeoutException.class);
      assertThat(failsInTime(() -> api.getItemAsync(request()).join())).isInstanceOf(RpcTimeoutException.class);

      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
        assertThat(active.open).as("client calls open").hasValue(0);
        assertThat(server.inFlight()).as("server calls in flight").isZero();
      });
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * The classification table (docs/pipeline.md) says an undecodable response is an
   * {@code RpcTransportException}; over gRPC it surfaces as {@code RemoteCallException("CANCELLED")}
   * because {@code StatusTranslator} does not recognise grpc-java's client-side parse failure
   * (status CANCELLED, description "Failed to read message.", the parse exception as cause).
   */
  @Test
  void anUndecodableGrpcResponseIsATransportFailure() throws Exception {
    FaultInjector faults = new FaultInjector(9);
    try (ChaosGrpcServer server = new ChaosGrpcServer(faults)) {
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      faults.force(FaultInjector.Fault.MALFORMED);
      try {
        Throwable thrown = catchThrowable(() -> client(channel, new ChaosHarness.ActiveCalls()).getItem(request()));
        assertThat(thrown).isInstanceOf(dev.rpcproxy.RpcTransportException.class);
        Throwable async = catchThrowable(() -> client(channel, new ChaosHarness.ActiveCalls()).getItemAsync(request()).join());
        assertThat(async).cause().isInstanceOf(dev.rpcproxy.RpcTransportException.class);
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void anOversizedResponseIsRefusedAsResourceExhausted() throws Exception {
    String big = "x".repeat(5 << 20); // over grpc-java's default 4 MiB inbound limit
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .addService(new InventoryGrpc.InventoryImplBase() {
          @Override
          public void getItem(ItemRequest request, StreamObserver<Item> observer) {
            observer.onNext(Item.newBuilder().setId(1).setPayload(big).build());
            observer.onCompleted();
          }
        })
        .build().start();
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      Throwable thrown = failsInTime(() -> client(channel, new ChaosHarness.ActiveCalls()).getItem(request()));

      assertThat(thrown).isInstanceOf(RemoteCallException.class);
      assertThat(((RemoteCallException) thrown).status()).isEqualTo("RESOURCE_EXHAUSTED");
      assertThat(thrown.getMessage()).doesNotContain("xxxxxxxxxx");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
