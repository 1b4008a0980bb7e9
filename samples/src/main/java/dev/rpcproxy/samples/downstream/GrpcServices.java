package dev.rpcproxy.samples.downstream;

import dev.rpcproxy.samples.ftgo.ConsumerServiceGrpc;
import dev.rpcproxy.samples.ftgo.CreateTicketRequest;
import dev.rpcproxy.samples.ftgo.KitchenServiceGrpc;
import dev.rpcproxy.samples.ftgo.Ticket;
import dev.rpcproxy.samples.ftgo.TicketEvent;
import dev.rpcproxy.samples.ftgo.WatchTicketRequest;
import java.util.List;
import dev.rpcproxy.samples.ftgo.ValidateConsumerRequest;
import dev.rpcproxy.samples.ftgo.ValidateConsumerResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The consumer and kitchen services on one gRPC server (Netty, loopback), misbehaving as the
 * {@link FaultInjector} says (delays, {@code UNAVAILABLE}). Answers are sent from a scheduler
 * after the injected delay, so no thread waits for a slow answer. Consumer 0 is always refused
 * with {@code FAILED_PRECONDITION}: the caller's error, which the breaker must not count.
 */
public final class GrpcServices implements AutoCloseable {
  /** The consumer id the consumer service refuses. */
  public static final long REFUSED_CONSUMER = 0;

  private final Server server;
  private final ScheduledExecutorService scheduler;

  private GrpcServices(Server server, ScheduledExecutorService scheduler) {
    this.server = server;
    this.scheduler = scheduler;
  }

  /** Starts both services on a free loopback port. */
  public static GrpcServices start(FaultInjector faults) throws IOException {
    ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(2, new DaemonThreads("grpc-services"));
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .directExecutor() // handlers only schedule their answer
        .addService(new ConsumerService(faults, scheduler))
        .addService(new KitchenService(faults, scheduler))
        .build()
        .start();
    return new GrpcServices(server, scheduler);
  }

  /** The port both services listen on (127.0.0.1). */
  public int port() {
    return server.getPort();
  }

  /** Stops the server at once (pending calls end with UNAVAILABLE) and its scheduler. */
  @Override
  public void close() {
    server.shutdownNow();
    scheduler.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Answers {@code observer} after the injected delay: an error, or what {@code answer} gives. */
  private static <T> void respond(FaultInjector faults, Downstream service, ScheduledExecutorService scheduler,
      StreamObserver<T> observer, Supplier<T> answer) {
    FaultInjector.Decision decision = faults.next(service);
    Runnable reply = () -> {
      if (observer instanceof ServerCallStreamObserver<T> call && call.isCancelled()) {
        return; // the caller's deadline passed, or it cancelled
      }
      try {
        if (decision.fail()) {
          observer.onError(Status.UNAVAILABLE
              .withDescription(service.label() + " unavailable (injected fault)").asRuntimeException());
          return;
        }
        T value;
        try {
          value = answer.get();
        } catch (StatusRuntimeException refused) {
          observer.onError(refused);
          return;
        }
        observer.onNext(value);
        observer.onCompleted();
      } catch (StatusRuntimeException cancelledMeanwhile) {
        // cancelled between the check and the answer: nothing to send
      }
    };
    if (decision.delayMillis() == 0) {
      reply.run();
    } else {
      try {
        scheduler.schedule(reply, decision.delayMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException shuttingDown) {
        observer.onError(Status.UNAVAILABLE.withDescription("shutting down").asRuntimeException());
      }
    }
  }

  private static final class ConsumerService extends ConsumerServiceGrpc.ConsumerServiceImplBase {
    private final FaultInjector faults;
    private final ScheduledExecutorService scheduler;

    ConsumerService(FaultInjector faults, ScheduledExecutorService scheduler) {
      this.faults = faults;
      this.scheduler = scheduler;
    }

    @Override
    public void validateConsumer(ValidateConsumerRequest request, StreamObserver<ValidateConsumerResponse> observer) {
      respond(faults, Downstream.CONSUMERS, scheduler, observer, () -> {
        if (request.getConsumerId() == REFUSED_CONSUMER) {
          throw Status.FAILED_PRECONDITION
              .withDescription("consumer " + REFUSED_CONSUMER + " may not order").asRuntimeException();
        }
        return ValidateConsumerResponse.newBuilder()
            .setConsumerId(request.getConsumerId())
            .setName("consumer-" + request.getConsumerId())
            .build();
      });
    }
  }

  private static final class KitchenService extends KitchenServiceGrpc.KitchenServiceImplBase {
    private final FaultInjector faults;
    private final ScheduledExecutorService scheduler;
    private static final List<String> STATES = List.of("ACCEPTED", "PREPARING", "READY_FOR_PICKUP");
    private final AtomicLong tickets = new AtomicLong();

    KitchenService(FaultInjector faults, ScheduledExecutorService scheduler) {
      this.faults = faults;
      this.scheduler = scheduler;
    }

    @Override
    public void createTicket(CreateTicketRequest request, StreamObserver<Ticket> observer) {
      respond(faults, Downstream.KITCHEN, scheduler, observer, () -> Ticket.newBuilder()
          .setTicketId("T" + tickets.incrementAndGet())
          .setRestaurantId(request.getRestaurantId())
          .build());
    }

    /** The kitchen's states for a ticket, one event every 20 ms; the first one after the injected fault. */
    @Override
    public void watchTicket(WatchTicketRequest request, StreamObserver<TicketEvent> observer) {
      FaultInjector.Decision decision = faults.next(Downstream.KITCHEN);
      sendState((ServerCallStreamObserver<TicketEvent>) observer, request.getTicketId(), decision, 0,
          decision.delayMillis());
    }

    /** Sends state {@code index} after {@code delayMillis}, then schedules the next: one at a time, in order. */
    private void sendState(ServerCallStreamObserver<TicketEvent> call, String ticketId,
        FaultInjector.Decision decision, int index, long delayMillis) {
      Runnable send = () -> {
        try {
          if (call.isCancelled()) {
            return; // the caller closed the stream, or its deadline passed
          }
          if (decision.fail()) {
            call.onError(Status.UNAVAILABLE.withDescription("kitchen unavailable (injected fault)").asRuntimeException());
            return;
          }
          call.onNext(TicketEvent.newBuilder().setTicketId(ticketId).setState(STATES.get(index)).build());
          if (index == STATES.size() - 1) {
            call.onCompleted();
          } else {
            sendState(call, ticketId, decision, index + 1, 20);
          }
        } catch (StatusRuntimeException cancelledMeanwhile) {
          // cancelled between the check and the event: nothing to send
        }
      };
      try {
        scheduler.schedule(send, delayMillis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException shuttingDown) {
        call.onError(Status.UNAVAILABLE.withDescription("shutting down").asRuntimeException());
      }
    }
  }
}
