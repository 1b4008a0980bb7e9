package dev.rpcproxy.grpc;

import dev.rpcproxy.grpc.test.CreateTicketRequest;
import dev.rpcproxy.grpc.test.GetTicketRequest;
import dev.rpcproxy.grpc.test.Ticket;
import dev.rpcproxy.grpc.test.TicketServiceGrpc;
import dev.rpcproxy.grpc.test.WatchTicketsRequest;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server side of the tests: counts calls, records the deadline each call arrived with, and
 * answers as the current test tells it ({@link #onCreate}, {@link #onGet}).
 */
final class TestTicketService extends TicketServiceGrpc.TicketServiceImplBase {

  /** How the server answers one call. */
  @FunctionalInterface
  interface Handler<Q> {
    void handle(Q request, StreamObserver<Ticket> response) throws Exception;
  }

  static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

  final AtomicInteger createCalls = new AtomicInteger();
  final AtomicInteger getCalls = new AtomicInteger();
  final AtomicInteger watchCalls = new AtomicInteger();
  /** Every call's {@code Context.current().getDeadline()}; a call without one adds nothing. */
  final Queue<Deadline> deadlines = new ConcurrentLinkedQueue<>();
  final AtomicInteger callsWithoutDeadline = new AtomicInteger();
  volatile Handler<CreateTicketRequest> onCreate;
  volatile Handler<GetTicketRequest> onGet;
  volatile Handler<WatchTicketsRequest> onWatch;

  TestTicketService() {
    reset();
  }

  void reset() {
    createCalls.set(0);
    getCalls.set(0);
    watchCalls.set(0);
    deadlines.clear();
    callsWithoutDeadline.set(0);
    onCreate = (request, response) -> reply(response, Ticket.newBuilder()
        .setId("t-" + createCalls.get()).setTitle(request.getTitle()).build());
    onGet = (request, response) -> reply(response, Ticket.newBuilder()
        .setId(request.getId()).setTitle("found").build());
    onWatch = (request, response) -> response.onCompleted();
  }

  @Override
  public void createTicket(CreateTicketRequest request, StreamObserver<Ticket> response) {
    createCalls.incrementAndGet();
    handle(onCreate, request, response);
  }

  @Override
  public void getTicket(GetTicketRequest request, StreamObserver<Ticket> response) {
    getCalls.incrementAndGet();
    handle(onGet, request, response);
  }

  @Override
  public void watchTickets(WatchTicketsRequest request, StreamObserver<Ticket> response) {
    watchCalls.incrementAndGet();
    handle(onWatch, request, response);
  }

  private <Q> void handle(Handler<Q> handler, Q request, StreamObserver<Ticket> response) {
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      callsWithoutDeadline.incrementAndGet();
    } else {
      deadlines.add(deadline);
    }
    try {
      handler.handle(request, response);
    } catch (Exception e) {
      response.onError(Status.INTERNAL.withDescription("handler threw " + e).asRuntimeException());
    }
  }

  static void reply(StreamObserver<Ticket> response, Ticket ticket) {
    response.onNext(ticket);
    response.onCompleted();
  }

  /** Answers every call with {@code status}. */
  static <Q> Handler<Q> failWith(Status status) {
    return (request, response) -> response.onError(status.asRuntimeException());
  }

  /** Answers every call with {@code status} and a {@code grpc-retry-pushback-ms} trailer. */
  static <Q> Handler<Q> failWith(Status status, String pushbackMillis) {
    return (request, response) -> {
      Metadata trailers = new Metadata();
      trailers.put(PUSHBACK, pushbackMillis);
      response.onError(status.asRuntimeException(trailers));
    };
  }

  /**
   * Holds every call until its {@code Context} is cancelled (deadline or client cancel), counting
   * down {@code arrived} when it starts and {@code cancelled} when the cancellation reaches it.
   * Gives up after 10 s so a failing test cannot hang the server.
   */
  static <Q> Handler<Q> holdUntilCancelled(CountDownLatch arrived, CountDownLatch cancelled) {
    return (request, response) -> {
      Context context = Context.current();
      CountDownLatch done = new CountDownLatch(1);
      context.addListener(c -> {
        cancelled.countDown();
        done.countDown();
      }, Runnable::run);
      arrived.countDown();
      done.await(10, TimeUnit.SECONDS);
    };
  }
}
