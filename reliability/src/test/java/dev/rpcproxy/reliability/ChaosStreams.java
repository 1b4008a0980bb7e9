package dev.rpcproxy.reliability;

import dev.rpcproxy.reliability.ChaosHarness.ClientFigures;
import dev.rpcproxy.reliability.ChaosHarness.Seen;
import dev.rpcproxy.reliability.proto.Item;
import dev.rpcproxy.reliability.proto.ListRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall.SimpleForwardingClientCall;
import io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * The streaming share of the chaos harness's gRPC calls: the server-streaming {@code ListItems},
 * read as a blocking {@code Stream} ({@link GrpcInventory#listItems}) and as a
 * {@code Flow.Publisher} ({@link GrpcInventory#listItemsAsync}). Some streams are read to their
 * end, some closed by their caller after k messages; publisher subscribers ask for 1-4 messages
 * at a time; a share asks the server to fail its first attempt before the first message, so that
 * retried streams are checked too. Each message is checked as it arrives: the id asked for, index
 * 0, 1, 2, ... (in order, none lost or repeated), all from one server call or all from the
 * fallback. Each stream is timed from the call until it ends for its caller (completed, failed or
 * closed). {@link #collect} checks the figures against the metrics and the server at the end.
 */
final class ChaosStreams {
  static final String BLOCKING = "listItems";
  static final String PUBLISHER = "listItemsAsync";
  /** Streams the caller closes after k of n messages (1 <= k < n), in percent. */
  private static final int CLOSE_EARLY_PERCENT = 30;
  /**
   * Streams whose first call the server fails with UNAVAILABLE before the first message, in
   * percent, when no attempt timeout is set. With one (the second round), late streams are retried
   * anyway; probes there too left some runs without a single gRPC hedge (their failures count
   * against the breaker the unary calls share).
   */
  private static final int RETRY_PROBE_PERCENT = 20;
  /** A publisher subscriber asks for 1 to this many messages at a time. */
  private static final int MAX_BATCH = 4;

  /** How a stream ended for its caller. */
  enum Ending { COMPLETED, CLOSED_EARLY, FAILED, STILL_OPEN }

  /** What the callers of one method saw, and what the metrics say of it. */
  static final class MethodFigures {
    final String method;
    final LongAdder started = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder closedEarly = new LongAdder();
    final LongAdder answeredByFallback = new LongAdder();
    final LongAdder failedBeforeFirst = new LongAdder();
    final LongAdder failedMidStream = new LongAdder();
    final LongAdder stillOpen = new LongAdder();
    final EnumMap<Seen, LongAdder> failures = new EnumMap<>(Seen.class);
    final LongAdder retryProbes = new LongAdder();
    /** Streams that delivered the service's messages after sending more than one attempt (retries, or hedges where streams are hedged). */
    final LongAdder retriedThenDelivered = new LongAdder();
    final LongAdder serviceMessages = new LongAdder();
    final LongAdder fallbackMessages = new LongAdder();
    /** Blocking streams closed early: messages of their stream the caller did not read (an upper bound). */
    final LongAdder unreadAtClose = new LongAdder();
    final LongAccumulator maxElapsedNanos = new LongAccumulator(Math::max, 0);
    final LongAccumulator maxOvershootNanos = new LongAccumulator(Math::max, 0);
    final LongAccumulator coldStartMaxNanos = new LongAccumulator(Math::max, 0);
    final AtomicReference<String> slowest = new AtomicReference<>("none");
    /** The deadline invariant for this method's streams, judged against the machine (see {@link DeadlineJudge}). */
    DeadlineJudge.Verdict deadlines;
    // From the registry, after the run.
    long timerCount;
    long timerCancelled;
    long messagesCounter;
    /** {@code rpc.client.attempts} of the method, all kinds, and of them retries and hedges. */
    long attempts;
    long attemptsRetry;
    long attemptsHedge;

    MethodFigures(String method) {
      this.method = method;
      for (Seen s : Seen.values()) {
        failures.put(s, new LongAdder());
      }
    }

    long ended() {
      return completed.sum() + closedEarly.sum() + answeredByFallback.sum() + failedBeforeFirst.sum()
          + failedMidStream.sum() + stillOpen.sum();
    }

    String failuresByKind() {
      StringBuilder out = new StringBuilder();
      failures.forEach((seen, n) -> {
        if (n.sum() > 0) {
          out.append(out.length() == 0 ? "" : ", ").append(seen.name().toLowerCase(Locale.ROOT)).append(' ').append(n.sum());
        }
      });
      return out.length() == 0 ? "none" : out.toString();
    }
  }

  /** The stream figures of a run. */
  static final class Figures {
    final MethodFigures blocking = new MethodFigures(BLOCKING);
    final MethodFigures publisher = new MethodFigures(PUBLISHER);
    final StreamAttempts attempts = new StreamAttempts();
    long serverStreams;
    long serverContextsEnded;
    long serverContextsCancelled;
    long serverMessagesSent;
    int serverMaxStreams;

    long started() {
      return blocking.started.sum() + publisher.started.sum();
    }

    /** The figures as a Markdown table. */
    String table() {
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "%n| streams of %s | %s (Stream) | %s (Flow.Publisher) |%n|---|---:|---:|%n",
          ChaosHarness.GRPC, BLOCKING, PUBLISHER));
      row(out, "streams started (calls made)", blocking.started.sum(), publisher.started.sum());
      row(out, "  completed by the service, read to the end", blocking.completed.sum(), publisher.completed.sum());
      row(out, "  closed early by the caller", blocking.closedEarly.sum(), publisher.closedEarly.sum());
      row(out, "  answered by the fallback", blocking.answeredByFallback.sum(), publisher.answeredByFallback.sum());
      row(out, "  failed before the first message", blocking.failedBeforeFirst.sum(), publisher.failedBeforeFirst.sum());
      row(out, "  failed after messages (mid-stream)", blocking.failedMidStream.sum(), publisher.failedMidStream.sum());
      row(out, "  still open 5 s after the deadline", blocking.stillOpen.sum(), publisher.stillOpen.sum());
      out.append("| failures seen, by kind | ").append(blocking.failuresByKind()).append(" | ")
          .append(publisher.failuresByKind()).append(" |\n");
      row(out, "retry probes (first call failed on purpose)", blocking.retryProbes.sum(), publisher.retryProbes.sum());
      row(out, "more than one attempt sent, then the service's messages delivered in order", blocking.retriedThenDelivered.sum(),
          publisher.retriedThenDelivered.sum());
      out.append(String.format(Locale.ROOT, "| rpc.client.attempts, all / retry / hedge | %d / %d / %d | %d / %d / %d |%n",
          blocking.attempts, blocking.attemptsRetry, blocking.attemptsHedge, publisher.attempts, publisher.attemptsRetry,
          publisher.attemptsHedge));
      row(out, "messages received from the service", blocking.serviceMessages.sum(), publisher.serviceMessages.sum());
      row(out, "rpc.client.stream.messages", blocking.messagesCounter, publisher.messagesCounter);
      row(out, "  of them delivered but not read before an early close (at most)", blocking.unreadAtClose.sum(),
          publisher.unreadAtClose.sum());
      row(out, "messages received from the fallback", blocking.fallbackMessages.sum(), publisher.fallbackMessages.sum());
      row(out, "sum of rpc.client.calls counts", blocking.timerCount, publisher.timerCount);
      row(out, "  outcome=cancelled", blocking.timerCancelled, publisher.timerCancelled);
      out.append(String.format(Locale.ROOT, "| max stream time, warm (ms) | %.1f | %.1f |%n",
          blocking.maxElapsedNanos.get() / 1e6, publisher.maxElapsedNanos.get() / 1e6));
      out.append(String.format(Locale.ROOT, "| max overshoot past deadline, warm (ms) | %.1f | %.1f |%n",
          blocking.maxOvershootNanos.get() / 1e6, publisher.maxOvershootNanos.get() / 1e6));
      out.append(String.format(Locale.ROOT, "| worst overshoot net of stalls and GC around it (ms) | %s | %s |%n",
          net(blocking.deadlines), net(publisher.deadlines)));
      out.append("| slowest stream, warm | ").append(blocking.slowest.get()).append(" | ").append(publisher.slowest.get())
          .append(" |\n");
      out.append(String.format(Locale.ROOT, "| slowest stream in the first second (cold JVM) (ms) | %.1f | %.1f |%n",
          blocking.coldStartMaxNanos.get() / 1e6, publisher.coldStartMaxNanos.get() / 1e6));
      out.append(String.format(Locale.ROOT, "%nserver: %d ListItems calls, %d Contexts ended (%d cancelled before the server "
              + "closed the call), %d messages sent, at most %d streams at once; client: %d stream calls started, "
              + "%d of them after their stream had ended%n",
          serverStreams, serverContextsEnded, serverContextsCancelled, serverMessagesSent, serverMaxStreams,
          attempts.calls.get(), attempts.untracked.get()));
      return out.toString();
    }

    private static void row(StringBuilder out, String name, long a, long b) {
      out.append("| ").append(name).append(" | ").append(a).append(" | ").append(b).append(" |\n");
    }
  }

  private final ChaosHarness harness;
  private final ChaosHarness.Config config;
  private final ClientFigures grpc;
  private final Figures figures;
  private final List<String> violations;
  private final AtomicLong nextStream = new AtomicLong();
  private final int retryProbePercent;
  /** Streams whose messages broke a promise; the first few are listed, the rest counted. */
  private final AtomicLong brokenStreams = new AtomicLong();
  private static final int LISTED_BROKEN_STREAMS = 5;

  ChaosStreams(ChaosHarness harness, ChaosHarness.Config config, ClientFigures grpc, Figures figures,
      List<String> violations) {
    this.harness = harness;
    this.config = config;
    this.grpc = grpc;
    this.figures = figures;
    this.violations = violations;
    this.retryProbePercent = config.secondRound() ? 0 : RETRY_PROBE_PERCENT;
  }

  /** Messages in the stream of {@code id}: 2 to 20, the same for every stream of one id (so the cached fallback can answer). */
  static int count(long id) {
    return 2 + (int) (id % 19);
  }

  private ListRequest request(long id, Random random, MethodFigures method, boolean closesEarly) {
    boolean probe = random.nextInt(100) < retryProbePercent;
    if (probe) {
      method.retryProbes.increment();
    }
    return ListRequest.newBuilder().setId(id).setCount(count(id)).setStream(nextStream.incrementAndGet())
        .setFailFirstAttempt(probe).setClosesEarly(closesEarly).build();
  }

  private static int closeAfter(Random random, int count) {
    return random.nextInt(100) < CLOSE_EARLY_PERCENT ? 1 + random.nextInt(count - 1) : 0;
  }

  private static String net(DeadlineJudge.Verdict verdict) {
    return verdict == null ? "-" : String.format(Locale.ROOT, "%d (%d past the bound, %d excused)",
        verdict.worstNetMillis(), verdict.pastBound(), verdict.excused());
  }

  // ---------------------------------------------------------------- the callers

  /** One blocking stream, on the worker's thread. */
  void blocking(Random random, GrpcInventory api, long id) {
    MethodFigures method = figures.blocking;
    int closeAfter = closeAfter(random, count(id));
    ListRequest request = request(id, random, method, closeAfter > 0);
    StreamCheck check = new StreamCheck(request);
    begin(method, request);
    long t0 = System.nanoTime();
    Ending ending;
    Throwable failure = null;
    Stream<Item> items = null;
    try {
      items = api.listItems(request);
      Iterator<Item> it = items.iterator();
      while (true) {
        if (closeAfter > 0 && check.received == closeAfter) {
          items.close();
          ending = Ending.CLOSED_EARLY;
          break;
        }
        if (!it.hasNext()) {
          ending = Ending.COMPLETED;
          break;
        }
        check.accept(it.next());
      }
    } catch (Throwable t) {
      failure = t;
      ending = Ending.FAILED;
    } finally {
      if (items != null) {
        items.close();
      }
    }
    ended(method, check, ending, failure, t0, System.nanoTime());
  }

  /** One publisher stream: subscribed on the worker's thread, read on gRPC's, awaited with a bound. */
  void publisher(Random random, GrpcInventory api, long id) {
    MethodFigures method = figures.publisher;
    int closeAfter = closeAfter(random, count(id));
    ListRequest request = request(id, random, method, closeAfter > 0);
    StreamCheck check = new StreamCheck(request);
    Reader reader = new Reader(check, 1 + random.nextInt(MAX_BATCH), closeAfter);
    begin(method, request);
    long t0 = System.nanoTime();
    try {
      api.listItemsAsync(request).subscribe(reader);
      if (!reader.done.await(config.timeout().toMillis() + 5_000, TimeUnit.MILLISECONDS)) {
        reader.abandon();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reader.abandon();
    } catch (Throwable t) {
      violations.add(ChaosHarness.GRPC + "." + PUBLISHER + ": subscribe threw instead of signalling onError: " + t);
      reader.finish(Ending.FAILED, t);
    }
    synchronized (reader) {
      ended(method, check, reader.ending, reader.failure, t0, reader.endNanos);
    }
  }

  private void begin(MethodFigures method, ListRequest request) {
    grpc.issued.increment();
    method.started.increment();
    figures.attempts.track(request.getStream());
  }

  /** Files one stream under exactly one ending and one outcome seen, and checks what it delivered. */
  private void ended(MethodFigures method, StreamCheck check, Ending ending, Throwable failure, long t0, long end) {
    // However it ended for its caller, the stream's gRPC calls have ended: closed by gRPC, or
    // cancelled before the caller's close (or its last signal) returned.
    int open = figures.attempts.open(check.request.getStream());
    if (open > 0 && ending != Ending.STILL_OPEN) {
      check.problem(open + " gRPC call(s) still open after the stream ended for its caller");
    }
    int attempts = figures.attempts.finish(check.request.getStream());
    boolean fromFallback = check.fromFallback();
    Seen seen;
    switch (ending) {
      case COMPLETED -> {
        if (check.received != check.request.getCount()) {
          check.problem("completed after " + check.received + " of " + check.request.getCount() + " messages");
        }
        if (fromFallback) {
          method.answeredByFallback.increment();
          seen = Seen.FALLBACK;
        } else {
          method.completed.increment();
          seen = Seen.SUCCESS;
        }
      }
      case CLOSED_EARLY -> {
        if (fromFallback) {
          method.answeredByFallback.increment();
          seen = Seen.FALLBACK;
        } else {
          method.closedEarly.increment();
          seen = Seen.CANCELLED;
          if (method == figures.blocking) {
            method.unreadAtClose.add(check.request.getCount() - check.received);
          }
        }
      }
      case FAILED -> {
        seen = harness.classify(grpc, CallRecorder.unwrap(failure));
        method.failures.get(seen).increment();
        if (fromFallback) {
          check.problem("the fallback's answer failed after " + check.received + " messages: " + failure);
        }
        (check.received == 0 ? method.failedBeforeFirst : method.failedMidStream).increment();
      }
      default -> {
        violations.add(ChaosHarness.GRPC + "." + method.method + ": a stream still open "
            + (config.timeout().toMillis() + 5_000) + " ms after it started (deadline " + config.timeout().toMillis()
            + " ms), after " + check.received + " messages");
        method.stillOpen.increment();
        seen = Seen.UNEXPECTED;
      }
    }
    harness.seen(grpc, seen);
    (fromFallback ? method.fallbackMessages : method.serviceMessages).add(check.received);
    if (attempts > 1 && check.received > 0 && !fromFallback) {
      method.retriedThenDelivered.increment();
    }
    if (check.problem != null && brokenStreams.incrementAndGet() <= LISTED_BROKEN_STREAMS) {
      violations.add(ChaosHarness.GRPC + "." + method.method + ": stream of " + check.request.getCount()
          + " items of id " + check.request.getId() + " (" + attempts + " attempts, ended " + ending + "): "
          + check.problem);
    }
    long elapsed = end - t0;
    harness.finished(grpc, t0, end, "stream " + method.method + " (" + ending.name().toLowerCase(Locale.ROOT) + ")");
    if (harness.warm(t0)) {
      if (elapsed > method.maxElapsedNanos.get()) {
        method.slowest.set(String.format(Locale.ROOT, "%.1f ms, started %d ms into the run, %s after %d messages",
            elapsed / 1e6, harness.millisIntoRun(t0), ending.name().toLowerCase(Locale.ROOT), check.received));
      }
      method.maxElapsedNanos.accumulate(elapsed);
      method.maxOvershootNanos.accumulate(elapsed - config.timeout().toNanos());
      harness.deadlines.ended(ChaosHarness.GRPC + "." + method.method,
          "a stream (" + ending.name().toLowerCase(Locale.ROOT) + " after " + check.received + " messages)", t0, end);
    } else {
      method.coldStartMaxNanos.accumulate(elapsed);
    }
  }

  // ---------------------------------------------------------------- invariants at the end

  /** Reads the stream metrics and the server's counts (once its Contexts have ended) and checks them. */
  void collect(MeterRegistry registry, ChaosGrpcServer server) {
    for (MethodFigures method : List.of(figures.blocking, figures.publisher)) {
      for (Timer timer : registry.find("rpc.client.calls").tags("client", ChaosHarness.GRPC, "method", method.method).timers()) {
        method.timerCount += timer.count();
        if ("cancelled".equals(timer.getId().getTag("outcome"))) {
          method.timerCancelled += timer.count();
        }
      }
      method.messagesCounter = (long) registry.find("rpc.client.stream.messages")
          .tags("client", ChaosHarness.GRPC, "method", method.method).counters().stream().mapToDouble(Counter::count).sum();
      method.attempts = attempts(registry, method.method, null);
      method.attemptsRetry = attempts(registry, method.method, "retry");
      method.attemptsHedge = attempts(registry, method.method, "hedge");
      String name = ChaosHarness.GRPC + "." + method.method;
      long started = method.started.sum();
      if (method.ended() != started) {
        violations.add(name + ": " + started + " streams started but " + method.ended() + " ended");
      }
      if (method.timerCount != started) {
        violations.add(name + ": " + started + " streams started but rpc.client.calls counted " + method.timerCount);
      }
      // An early close cancels the remote stream unless it had ended already (then: success). A
      // publisher closes after a message it asked for while more were to come, and gRPC reports a
      // stream's end only after every message before it was asked for and delivered: each of its
      // early closes cancels.
      boolean exact = method == figures.publisher;
      if (exact ? method.timerCancelled != method.closedEarly.sum() : method.timerCancelled > method.closedEarly.sum()) {
        violations.add(name + ": rpc.client.calls counted " + method.timerCancelled + " cancelled streams, but callers closed "
            + method.closedEarly.sum() + " early");
      }
      // Every message from the service is counted once as it is delivered; a blocking stream may
      // hold messages delivered but not read when its caller closes it.
      long received = method.serviceMessages.sum();
      long unread = method.unreadAtClose.sum();
      if (method.messagesCounter < received || method.messagesCounter > received + unread) {
        violations.add(name + ": rpc.client.stream.messages = " + method.messagesCounter + " but callers received "
            + received + " messages from the service" + (unread > 0 ? " (+ at most " + unread + " unread at an early close)" : ""));
      }
      // Past the bound only beyond what the machine took around the stream (stalls, GC pauses).
      method.deadlines = harness.deadlines.verdict(name, harness.runStart());
      violations.addAll(method.deadlines.broken());
    }
    if (brokenStreams.get() > LISTED_BROKEN_STREAMS) {
      violations.add(ChaosHarness.GRPC + ": " + (brokenStreams.get() - LISTED_BROKEN_STREAMS)
          + " more streams whose messages broke a promise (the first " + LISTED_BROKEN_STREAMS + " are listed above)");
    }
    figures.serverStreams = server.streamsStarted();
    figures.serverContextsEnded = server.streamContextsEnded();
    figures.serverContextsCancelled = server.streamContextsCancelled();
    figures.serverMessagesSent = server.streamMessagesSent();
    figures.serverMaxStreams = server.maxStreamsInFlight();
    if (figures.serverContextsEnded != figures.serverStreams) {
      violations.add(ChaosHarness.GRPC + ": the server saw " + figures.serverStreams + " ListItems calls but "
          + figures.serverContextsEnded + " of their Contexts end");
    }
    long attemptsSent = figures.blocking.attempts + figures.publisher.attempts;
    if (figures.serverStreams > attemptsSent) {
      violations.add(ChaosHarness.GRPC + ": the server saw " + figures.serverStreams + " ListItems calls, more than the "
          + attemptsSent + " attempts the client sent");
    }
  }

  private static long attempts(MeterRegistry registry, String method, String kind) {
    var search = registry.find("rpc.client.attempts").tags("client", ChaosHarness.GRPC, "method", method);
    if (kind != null) {
      search = search.tag("kind", kind);
    }
    return (long) search.counters().stream().mapToDouble(Counter::count).sum();
  }

  // ---------------------------------------------------------------- one stream's messages

  /** What one stream delivered, checked message by message. Its caller's signals come one at a time. */
  static final class StreamCheck {
    final ListRequest request;
    int received;
    String source;
    long seq;
    String problem;

    StreamCheck(ListRequest request) {
      this.request = request;
    }

    void accept(Item item) {
      if (problem == null) {
        if (item.getId() != request.getId()) {
          problem("message " + received + " is an item of id " + item.getId());
        } else if (item.getIndex() != received) {
          problem("message " + received + " has index " + item.getIndex() + " (out of order, repeated or a message lost)");
        } else if (source == null) {
          source = item.getSource();
          seq = item.getSeq();
        } else if (!source.equals(item.getSource())) {
          problem("message " + received + " is from the " + item.getSource() + ", those before from the " + source);
        } else if (item.getSeq() != seq) {
          problem("message " + received + " is from server call " + item.getSeq() + ", those before from call " + seq);
        }
      }
      received++;
    }

    boolean fromFallback() {
      return "fallback".equals(source);
    }

    void problem(String what) {
      if (problem == null) {
        problem = what;
      }
    }
  }

  /**
   * A publisher's subscriber: asks for {@code batch} messages at a time, cancels after
   * {@code closeAfter} (0: reads to the end), and flags any signal after its end or cancel.
   * Signals come serially (on gRPC's threads or the subscribing thread); the worker reads the
   * result after {@link #done} (or {@link #abandon}), under this object's monitor.
   */
  private final class Reader implements Flow.Subscriber<Item> {
    final CountDownLatch done = new CountDownLatch(1);
    private final StreamCheck check;
    private final int batch;
    private final int closeAfter;
    private Flow.Subscription subscription;
    private int outstanding;
    private boolean abandoned;
    Ending ending = Ending.STILL_OPEN;
    Throwable failure;
    long endNanos;

    Reader(StreamCheck check, int batch, int closeAfter) {
      this.check = check;
      this.batch = batch;
      this.closeAfter = closeAfter;
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription s) {
      if (subscription != null) {
        check.problem("a second onSubscribe");
        s.cancel();
        return;
      }
      subscription = s;
      outstanding = batch;
      s.request(batch);
    }

    @Override
    public synchronized void onNext(Item item) {
      if (late("onNext")) {
        return;
      }
      if (--outstanding < 0) {
        check.problem("more messages than requested");
      }
      check.accept(item);
      if (check.received == closeAfter) {
        subscription.cancel();
        finish(Ending.CLOSED_EARLY, null);
        return;
      }
      if (outstanding == 0) {
        outstanding = batch;
        subscription.request(batch);
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      if (!late("onError " + t)) {
        finish(Ending.FAILED, t);
      }
    }

    @Override
    public synchronized void onComplete() {
      if (!late("onComplete")) {
        finish(Ending.COMPLETED, null);
      }
    }

    /** A signal after the stream ended or was cancelled is a broken promise; after {@link #abandon} it is ignored. */
    private boolean late(String signal) {
      if (abandoned) {
        return true;
      }
      if (ending != Ending.STILL_OPEN) {
        check.problem(signal + " after the stream ended (" + ending + ")");
        return true;
      }
      return false;
    }

    synchronized void finish(Ending how, Throwable t) {
      ending = how;
      failure = t;
      endNanos = System.nanoTime();
      done.countDown();
    }

    /** The stream did not end in time: it stays counted as still open, and is cancelled. */
    void abandon() {
      Flow.Subscription s;
      synchronized (this) {
        if (ending != Ending.STILL_OPEN) {
          return;
        }
        abandoned = true;
        endNanos = System.nanoTime();
        s = subscription;
      }
      // Outside this monitor: signals take the publisher's lock first, then this one.
      if (s != null) {
        s.cancel();
      }
    }
  }

  // ---------------------------------------------------------------- gRPC calls per stream

  /**
   * Watches the gRPC calls (attempts) the transport makes for each of the harness's streams, by
   * the request's {@code stream} number, while the worker reading it tracks it: how many were
   * sent, and how many are still open (sent, and neither closed by gRPC nor cancelled).
   */
  static final class StreamAttempts implements ClientInterceptor {
    private static final int NEW = 0;
    private static final int OPEN = 1;
    private static final int DONE = 2;

    /** The calls of one stream. */
    private static final class Calls {
      final AtomicInteger sent = new AtomicInteger();
      final AtomicInteger open = new AtomicInteger();
    }

    private final ConcurrentHashMap<Long, Calls> streams = new ConcurrentHashMap<>();
    final AtomicLong calls = new AtomicLong();
    /** Calls of a stream that had ended for its caller (an attempt opened as its stream ended). */
    final AtomicLong untracked = new AtomicLong();

    void track(long stream) {
      streams.put(stream, new Calls());
    }

    /** Calls of {@code stream} sent and not yet closed or cancelled. */
    int open(long stream) {
      Calls c = streams.get(stream);
      return c == null ? 0 : c.open.get();
    }

    /** Stops tracking {@code stream}; returns how many calls it sent. */
    int finish(long stream) {
      Calls c = streams.remove(stream);
      return c == null ? 0 : c.sent.get();
    }

    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
      ClientCall<Q, A> call = next.newCall(method, options);
      if (method.getType() != MethodDescriptor.MethodType.SERVER_STREAMING) {
        return call;
      }
      // NEW until its request is sent (then OPEN, counted for its stream), DONE once closed or cancelled.
      AtomicInteger state = new AtomicInteger(NEW);
      AtomicReference<Calls> owner = new AtomicReference<>();
      Runnable done = () -> {
        if (state.getAndSet(DONE) == OPEN) {
          owner.get().open.decrementAndGet();
        }
      };
      return new SimpleForwardingClientCall<>(call) {
        @Override
        public void start(Listener<A> listener, Metadata headers) {
          super.start(new SimpleForwardingClientCallListener<>(listener) {
            @Override
            public void onClose(Status status, Metadata trailers) {
              done.run();
              super.onClose(status, trailers);
            }
          }, headers);
        }

        @Override
        public void sendMessage(Q message) {
          if (message instanceof ListRequest request) {
            calls.incrementAndGet();
            Calls c = streams.get(request.getStream());
            if (c == null) {
              untracked.incrementAndGet();
            } else {
              c.sent.incrementAndGet();
              owner.set(c);
              c.open.incrementAndGet();
              if (!state.compareAndSet(NEW, OPEN)) {
                c.open.decrementAndGet(); // closed or cancelled already
              }
            }
          }
          super.sendMessage(message);
        }

        @Override
        public void cancel(String message, Throwable cause) {
          done.run();
          super.cancel(message, cause);
        }
      };
    }
  }
}
