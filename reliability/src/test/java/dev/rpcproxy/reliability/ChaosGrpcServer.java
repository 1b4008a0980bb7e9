package dev.rpcproxy.reliability;

import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gRPC service of the chaos harness (Netty on loopback), registered with a raw byte marshaller
 * so it can also send bytes that are not a valid {@code Item}. Counts calls in flight from the
 * moment the call starts until the server closes it or sees it cancelled.
 */
final class ChaosGrpcServer implements AutoCloseable {
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

  private final FaultInjector faults;
  private final AtomicLong seq = new AtomicLong();
  private final InFlightCounter inFlight = new InFlightCounter();
  private final ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-grpc-delays");
    t.setDaemon(true);
    return t;
  });
  final Server server;

  ChaosGrpcServer(FaultInjector faults) {
    this.faults = faults;
    ServerServiceDefinition service = ServerServiceDefinition.builder(InventoryGrpc.SERVICE_NAME)
        .addMethod(raw(InventoryGrpc.getGetItemMethod()), ServerCalls.asyncUnaryCall(this::handle))
        .addMethod(raw(InventoryGrpc.getPutItemMethod()), ServerCalls.asyncUnaryCall(this::handle))
        .build();
    try {
      server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .addService(ServerInterceptors.intercept(service, new InFlight()))
          // Clients through the fault proxy ping every 10 s (grpc-java's minimum), also when idle.
          .permitKeepAliveTime(10, TimeUnit.SECONDS)
          .permitKeepAliveWithoutCalls(true)
          .build()
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  int port() {
    return server.getPort();
  }

  int inFlight() {
    return inFlight.inFlight();
  }

  int maxInFlight() {
    return inFlight.max();
  }

  /** Calls that arrived while more than {@code limit} were in flight (themselves included). */
  long arrivalsOver(int limit) {
    return inFlight.arrivalsOver(limit);
  }

  long calls() {
    return inFlight.total();
  }

  private static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> typed) {
    return typed.toBuilder(BYTES, BYTES).build();
  }

  private void handle(byte[] requestBytes, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) observer;
    call.setOnCancelHandler(() -> { });
    ItemRequest request;
    try {
      request = ItemRequest.parseFrom(requestBytes);
    } catch (IOException e) {
      observer.onError(Status.INVALID_ARGUMENT.withDescription("bad request").asRuntimeException());
      return;
    }
    byte[] ok = Item.newBuilder().setId(request.getId()).setSeq(seq.incrementAndGet()).setSource("server")
        .setPayload(request.getPayload().isEmpty() ? "item-" + request.getId() : request.getPayload())
        .build().toByteArray();
    switch (faults.next()) {
      case NONE -> answer(call, ok);
      case LATENCY, DRIBBLE -> delays.schedule(() -> answer(call, ok), faults.between(50, 400), TimeUnit.MILLISECONDS);
      case ERROR, RESET -> fail(call, Status.UNAVAILABLE.withDescription("injected outage"));
      case TRUNCATED -> fail(call, Status.INTERNAL.withDescription("injected internal error"));
      case MALFORMED -> answer(call, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
      case HANG -> { } // never answers: the client's deadline (which the server sees) ends it
    }
  }

  private static void answer(ServerCallStreamObserver<byte[]> call, byte[] bytes) {
    if (call.isCancelled()) {
      return;
    }
    try {
      call.onNext(bytes);
      call.onCompleted();
    } catch (RuntimeException cancelledMeanwhile) {
      // the client gave up while we answered
    }
  }

  private static void fail(ServerCallStreamObserver<byte[]> call, Status status) {
    try {
      call.onError(status.asRuntimeException());
    } catch (RuntimeException cancelledMeanwhile) {
      // the client gave up first
    }
  }

  /** In flight from start until the server closes the call (before the client can see it) or it is cancelled. */
  private final class InFlight implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
        ServerCallHandler<Q, A> next) {
      inFlight.arrive();
      AtomicBoolean ended = new AtomicBoolean();
      Runnable end = () -> {
        if (ended.compareAndSet(false, true)) {
          inFlight.leave();
        }
      };
      ServerCall<Q, A> counted = new SimpleForwardingServerCall<>(call) {
        @Override
        public void close(Status status, Metadata trailers) {
          end.run();
          super.close(status, trailers);
        }
      };
      ServerCall.Listener<Q> listener;
      try {
        listener = next.startCall(counted, headers);
      } catch (RuntimeException e) {
        end.run();
        throw e;
      }
      return new SimpleForwardingServerCallListener<>(listener) {
        @Override
        public void onCancel() {
          end.run();
          super.onCancel();
        }

        @Override
        public void onComplete() {
          end.run();
          super.onComplete();
        }
      };
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    delays.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      delays.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
