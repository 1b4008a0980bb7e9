package dev.rpcproxy.reliability;

import dev.rpcproxy.reliability.proto.InventoryGrpc;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ItemRequest;
import dev.rpcproxy.reliability.proto.ListRequest;
import io.grpc.Context;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gRPC service of the chaos harness (Netty on loopback), registered with a raw byte marshaller
 * so it can also send bytes that are not a valid {@code Item}. Counts calls in flight from the
 * moment the call starts until the server closes it or sees it cancelled (unary and streaming
 * calls together), and, for the server-streaming {@code ListItems}, every call's {@link Context}
 * ending (cancelled or completed) and the streams in flight.
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
  /** ListItems calls from their start until their Context ends. */
  private final InFlightCounter streams = new InFlightCounter();
  private final AtomicLong streamContextsCancelled = new AtomicLong();
  private final AtomicLong streamContextsEnded = new AtomicLong();
  private final AtomicLong streamMessagesSent = new AtomicLong();
  /** Streams ({@code ListRequest.stream}) whose first call has been failed on purpose. */
  private final Set<Long> failedOnce = ConcurrentHashMap.newKeySet();
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
        .addMethod(raw(InventoryGrpc.getListItemsMethod()), ServerCalls.asyncServerStreamingCall(this::list))
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

  /** ListItems calls started (counted as they start, before any handler runs). */
  long streamsStarted() {
    return streams.total();
  }

  /** ListItems calls whose Context has ended: cancelled (by the client, its deadline, a reset) or completed. */
  long streamContextsEnded() {
    return streamContextsEnded.get();
  }

  /** Of {@link #streamContextsEnded()}, those cancelled before the server completed the call. */
  long streamContextsCancelled() {
    return streamContextsCancelled.get();
  }

  int streamsInFlight() {
    return streams.inFlight();
  }

  int maxStreamsInFlight() {
    return streams.max();
  }

  long streamMessagesSent() {
    return streamMessagesSent.get();
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

  /**
   * ListItems: {@code count} items of {@code id}, each with its {@code index} and this call's
   * {@code seq}, under the same faults as the unary calls, mapped onto a stream: latency before
   * the first message, dribbled messages, an error before the first message (retryable) or after
   * some (reset: UNAVAILABLE, truncated: INTERNAL), garbage in place of a message, or a stall
   * (hang) after at least one message until the client's deadline or cancel ends the call.
   */
  private void list(byte[] requestBytes, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) observer;
    call.setOnCancelHandler(() -> { });
    ListRequest request;
    try {
      request = ListRequest.parseFrom(requestBytes);
    } catch (IOException e) {
      observer.onError(Status.INVALID_ARGUMENT.withDescription("bad request").asRuntimeException());
      return;
    }
    int count = Math.max(1, request.getCount());
    StreamScript script = new StreamScript(call, request.getId(), seq.incrementAndGet(), count);
    if (request.getFailFirstAttempt() && failedOnce.add(request.getStream())) {
      script.stopAt(0, StreamScript.End.UNAVAILABLE).start();
      return;
    }
    switch (faults.next()) {
      case NONE -> { }
      case LATENCY -> script.firstDelayMillis = faults.between(50, 400);
      case DRIBBLE -> {
        script.firstDelayMillis = faults.between(2, 30);
        script.gapMillis = faults.between(5, 30);
      }
      case ERROR -> script.stopAt(0, StreamScript.End.UNAVAILABLE);
      case RESET -> script.stopAt(faults.between(1, count + 1), StreamScript.End.UNAVAILABLE);
      case TRUNCATED -> script.stopAt(faults.between(0, count), StreamScript.End.INTERNAL);
      case MALFORMED -> script.stopAt(faults.between(0, count), StreamScript.End.GARBAGE);
      case HANG -> script.stopAt(faults.between(1, count), StreamScript.End.STALL);
    }
    if (request.getClosesEarly() && script.gapMillis == 0) {
      script.gapMillis = 3; // the caller's close then finds the call still sending
    }
    script.start();
  }

  /** One ListItems call's messages and how it ends; runs on the handler's thread, delays on {@code delays}. */
  private final class StreamScript {
    enum End { COMPLETE, UNAVAILABLE, INTERNAL, GARBAGE, STALL }

    private final ServerCallStreamObserver<byte[]> call;
    private final long id;
    private final long callSeq;
    private final int count;
    int firstDelayMillis;
    int gapMillis;
    private int stopAt;
    private End end = End.COMPLETE;
    // Touched by one thread at a time: each step runs after the previous one.
    private int next;

    StreamScript(ServerCallStreamObserver<byte[]> call, long id, long callSeq, int count) {
      this.call = call;
      this.id = id;
      this.callSeq = callSeq;
      this.count = count;
      this.stopAt = count;
    }

    StreamScript stopAt(int index, End how) {
      stopAt = Math.min(index, count);
      end = how;
      return this;
    }

    /** Starts sending, at once or after the first delay. */
    void start() {
      if (firstDelayMillis > 0) {
        delays.schedule(this::step, firstDelayMillis, TimeUnit.MILLISECONDS);
      } else {
        step();
      }
    }

    /** Sends messages until the next delay, or ends the call. */
    private void step() {
      try {
        while (!call.isCancelled()) {
          if (next == stopAt) {
            finish();
            return;
          }
          call.onNext(Item.newBuilder().setId(id).setSeq(callSeq).setSource("server").setIndex(next)
              .setPayload("item-" + id + "-" + next).build().toByteArray());
          streamMessagesSent.incrementAndGet();
          next++;
          if (gapMillis > 0 && next < stopAt) {
            delays.schedule(this::step, gapMillis, TimeUnit.MILLISECONDS);
            return;
          }
        }
      } catch (RuntimeException cancelledMeanwhile) {
        // the client gave up while we sent
      }
    }

    private void finish() {
      switch (end) {
        case COMPLETE -> call.onCompleted();
        case UNAVAILABLE -> call.onError(Status.UNAVAILABLE.withDescription("injected outage").asRuntimeException());
        case INTERNAL -> call.onError(Status.INTERNAL.withDescription("injected internal error").asRuntimeException());
        case GARBAGE -> {
          call.onNext(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02});
          call.onCompleted();
        }
        case STALL -> { } // the client's deadline (which the server sees) or its cancel ends it
      }
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
      AtomicBoolean closedByServer = new AtomicBoolean();
      Runnable end = () -> {
        if (ended.compareAndSet(false, true)) {
          inFlight.leave();
        }
      };
      if (call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
        // Interceptors run inside the call's Context: it ends (is cancelled) when the call is
        // cancelled or, after onComplete, when it completed. A stream whose Context never ends is a
        // server call the client leaked.
        streams.arrive();
        Context.current().addListener(context -> {
          if (!closedByServer.get()) {
            streamContextsCancelled.incrementAndGet();
          }
          streamContextsEnded.incrementAndGet();
          streams.leave();
        }, Runnable::run);
      }
      ServerCall<Q, A> counted = new SimpleForwardingServerCall<>(call) {
        @Override
        public void close(Status status, Metadata trailers) {
          closedByServer.set(true);
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
