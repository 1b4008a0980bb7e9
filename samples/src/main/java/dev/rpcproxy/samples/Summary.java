package dev.rpcproxy.samples;

import static dev.rpcproxy.samples.order.FtgoClients.CONSUMERS;
import static dev.rpcproxy.samples.order.FtgoClients.KITCHEN;
import static dev.rpcproxy.samples.order.FtgoClients.RESTAURANTS;

import dev.rpcproxy.samples.observe.ClientCounts;
import dev.rpcproxy.samples.observe.Format;
import dev.rpcproxy.samples.observe.Snapshot;
import dev.rpcproxy.samples.observe.StreamCounts;
import dev.rpcproxy.samples.order.FtgoClients;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The end-of-run report: per phase and client the calls by outcome, fallbacks, retries, p99 and
 * the breaker's path, the orders and the streams, with a line on what the policies did; then each
 * policy's effect over the whole run. All sentences are built from the counts, so they say what happened, not what
 * should have.
 */
final class Summary {
  // The overload phase with the restaurants' former fixed bulkhead of 8 (10 s, samples/README.md).
  static final long FIXED_8_CALLS = 1_570;
  static final long FIXED_8_REJECTED = 1_076;
  static final long FIXED_8_SUCCESSES = 494;
  private static final String ROW = "  %-12s %6s %6s %5s %5s %5s %5s %5s %4s %6s %7s %8s  %s%n";

  private final PrintStream out;

  Summary(PrintStream out) {
    this.out = out;
  }

  void print(List<PhaseResult> results, double runSeconds) {
    long orders = results.stream().mapToLong(r -> r.delta().ordersTotal()).sum();
    long placed = results.stream().mapToLong(r -> r.delta().orders("placed")).sum();
    out.println();
    double storySeconds = results.stream().mapToDouble(r -> r.delta().nanos() / 1e9).sum();
    out.printf(Locale.ROOT, "══ Summary: %s of load (%s with start-up and warm-up), %s orders, %s placed ═══════════%n",
        Format.seconds(storySeconds), Format.seconds(runSeconds), Format.count(orders), Format.count(placed));
    out.printf(ROW, "client", "calls", "ok", "4xx", "fail", "tmo", "rej", "open", "cxl", "fallbk", "retries", "p99",
        "breaker");
    out.println("  (4xx: caller's errors; tmo: deadline; rej: bulkhead full; open: breaker open, no request sent;");
    out.println("   cxl: cancelled; retries: extra attempts the service saw, hedges not included, estimated;");
    out.println("   breaker: C closed, O open, H half-open; streams: a client's server streams, also counted in its");
    out.println("   calls, one per stream, and left out of its p99)");
    for (PhaseResult r : results) {
      out.println();
      out.printf(Locale.ROOT, "%s (%s): %s%n", r.phase().label(), Format.seconds(r.delta().nanos() / 1e9),
          r.phase().scenario().injected());
      for (String client : FtgoClients.NAMES) {
        ClientCounts c = r.client(client);
        out.printf(Locale.ROOT, ROW, client, n(c.total()), n(c.calls("success")), n(c.calls("client_error")),
            n(c.calls("failure")), n(c.calls("timeout")), n(c.calls("bulkhead_full")), n(c.calls("circuit_open")),
            n(c.calls("cancelled")), n(c.fallbacks()), FtgoClients.retries(client) ? n(r.retries(client)) : "-",
            Format.millis(c.p99Millis()),
            r.breakerPath(client));
      }
      Snapshot d = r.delta();
      out.printf(Locale.ROOT, "  %-12s %6s  placed %s, rejected %s, failed %s; p99 %s%n", "orders", n(d.ordersTotal()),
          n(d.orders("placed")), n(d.orders("rejected")), n(d.orders("failed")), Format.millis(d.orderP99Millis()));
      for (String client : FtgoClients.NAMES) {
        StreamCounts s = r.client(client).streams();
        if (!s.methods().isEmpty()) {
          out.printf(Locale.ROOT, "  %-12s %6s  ok %s, failed %s, timed out %s, rejected %s, cancelled %s; %s messages (%s.%s)%n",
              "streams", n(s.total()), n(s.calls("success")), n(s.failed()), n(s.calls("timeout")), n(s.rejected()),
              n(s.calls("cancelled")), n(s.messages()), client, String.join(",", s.methods()));
        }
      }
      out.println("  → " + explain(r));
    }
    out.println();
    out.println("What each policy did over the run:");
    for (String line : policyEffects(results)) {
      out.println("  • " + line);
    }
    out.flush();
  }

  /** One line on what the policies did in a phase. */
  static String explain(PhaseResult r) {
    ClientCounts rest = r.client(RESTAURANTS);
    ClientCounts cons = r.client(CONSUMERS);
    Snapshot d = r.delta();
    List<String> parts = new ArrayList<>();
    String orders = n(d.orders("placed")) + " of " + n(d.ordersTotal()) + " orders placed";
    switch (r.phase().scenario()) {
      case HEALTHY -> {
        parts.add(orders + ", p99 " + Format.millis(d.orderP99Millis()));
        if (cons.calls("client_error") > 0) {
          parts.add(n(cons.calls("client_error")) + " refused consumers were the caller's errors: "
              + "rejected at once, never retried, not counted by the breaker");
        }
        addBreakerIfChanged(parts, r);
      }
      case SLOW -> {
        if (rest.hedges() > 0) {
          parts.add("hedging: restaurants p99 " + Format.millis(rest.p99Millis()) + " with 1 request in 5 taking 1 s: "
              + n(rest.hedges()) + " hedges sent (" + Format.percent(rest.hedges(), rest.attempts("first"))
              + " extra requests; " + FtgoClients.hedgeRule() + ") answered for the slow ones, whose copies were"
              + " cancelled");
        }
        if (rest.calls("timeout") > 0) {
          parts.add("deadline: " + n(rest.calls("timeout")) + " restaurant calls stopped at "
              + FtgoClients.RESTAURANTS_TIMEOUT.toMillis() + " ms instead of waiting 1 s, "
              + n(rest.fallbacks()) + " answered from the cache"
              + (rest.hedges() > 0 ? "" : " (p99 " + Format.millis(rest.p99Millis()) + ")"));
        }
        long retries = r.retries(CONSUMERS);
        if (retries > 0) {
          parts.add("retries: " + n(retries) + " extra consumer attempts; " + Format.percent(cons.calls("success"),
              cons.total() - cons.calls("client_error")) + " of valid consumer calls succeeded despite 10% errors");
        }
        if (r.changesTo(RESTAURANTS, "OPEN") == 0 && r.changesTo(CONSUMERS, "OPEN") == 0) {
          parts.add("breakers stayed closed: failures stayed under " + FtgoClients.BREAKER_FAILURE_RATE + "%");
        } else {
          addBreakerIfChanged(parts, r);
        }
      }
      case DOWN -> {
        double opened = r.firstChangeTo(RESTAURANTS, "OPEN");
        if (opened >= 0) {
          parts.add("breaker opened " + Format.seconds(opened) + " in; " + n(rest.calls("circuit_open"))
              + " calls then failed fast without a request");
        } else if (r.startStates().getOrDefault(RESTAURANTS, "").equals("CLOSED")) {
          parts.add("the breaker did not open (too few calls?)");
        } else {
          parts.add(n(rest.calls("circuit_open")) + " calls failed fast on the open breaker");
        }
        parts.add("fallback: " + n(rest.fallbacks()) + " got the cached menu, so " + orders);
        long failedProbes = r.changesTo(RESTAURANTS, "HALF_OPEN");
        if (failedProbes > 0) {
          parts.add(n(failedProbes) + " half-open probe rounds found it still down");
        }
      }
      case RECOVERING -> {
        long failedProbes = r.transitions().stream()
            .filter(t -> t.client().equals(RESTAURANTS) && t.from().equals("HALF_OPEN") && t.to().equals("OPEN"))
            .count();
        long reopened = r.transitions().stream()
            .filter(t -> t.client().equals(RESTAURANTS) && t.from().equals("CLOSED") && t.to().equals("OPEN"))
            .count();
        List<String> states = r.statesOf(RESTAURANTS);
        String probes = failedProbes > 0
            ? "half-open probes: " + n(failedProbes) + " round(s) found it still down"
            : "half-open probes";
        if (!states.isEmpty() && states.get(states.size() - 1).equals("CLOSED")) {
          double closed = r.transitions().stream()
              .filter(t -> t.client().equals(RESTAURANTS) && t.to().equals("CLOSED"))
              .mapToDouble(t -> (t.nanos() - r.startNanos()) / 1e9).max().orElse(0);
          parts.add(probes + (failedProbes > 0 ? ", then " : ": ") + FtgoClients.BREAKER_PROBES + " probes passed and the breaker closed "
              + Format.seconds(closed) + " in" + (reopened > 0 ? " (after closing too early " + n(reopened) + "x)" : ""));
        } else {
          parts.add(probes + "; the breaker had not closed by the end of the phase");
        }
        parts.add("until then " + n(rest.fallbacks()) + " calls got the cached menu; " + orders);
      }
      case OVERLOAD -> {
        int max = r.maxInFlight().getOrDefault(RESTAURANTS, 0);
        double seconds = d.nanos() / 1e9;
        parts.add("adaptive limit: settled at " + r.limits().getOrDefault(RESTAURANTS, -1) + " (at most " + max
            + " restaurant calls seen in flight); " + n(rest.calls("bulkhead_full")) + " rejected at once ("
            + Format.percent(rest.calls("bulkhead_full"), rest.total()) + "), goodput "
            + n(Math.round(rest.calls("success") / seconds)) + " restaurant calls/s; a fixed "
            + FtgoClients.RESTAURANTS_FIXED_BEFORE + " (the run recorded in samples/README.md) rejected "
            + n(FIXED_8_REJECTED) + " of " + n(FIXED_8_CALLS) + " (" + Format.percent(FIXED_8_REJECTED, FIXED_8_CALLS)
            + "), goodput " + n(FIXED_8_SUCCESSES / 10) + " calls/s");
        if (r.changesTo(RESTAURANTS, "OPEN") == 0) {
          parts.add("the breaker stayed closed (rejections are not failures)");
        } else {
          addBreakerIfChanged(parts, r);
        }
        parts.add(orders + ", p99 " + Format.millis(d.orderP99Millis()));
      }
    }
    return String.join("; ", parts) + ".";
  }

  private static void addBreakerIfChanged(List<String> parts, PhaseResult r) {
    for (String client : FtgoClients.NAMES) {
      long opened = r.changesTo(client, "OPEN");
      if (opened > 0) {
        parts.add(client + " breaker opened " + opened + "x (" + r.breakerPath(client) + ")");
      }
    }
  }

  /** One line per policy, summed over the phases. */
  static List<String> policyEffects(List<PhaseResult> results) {
    long timeouts = 0, retries = 0, hedges = 0, firstAttempts = 0, open = 0, rejected = 0, fallbacks = 0;
    long clientErrors = 0, opened = 0, closed = 0, streams = 0, streamsOk = 0;
    double messages = 0;
    for (PhaseResult r : results) {
      for (String client : FtgoClients.NAMES) {
        ClientCounts c = r.client(client);
        streams += c.streams().total();
        streamsOk += c.streams().calls("success");
        messages += c.streams().messages();
        timeouts += c.calls("timeout");
        retries += FtgoClients.retries(client) ? r.retries(client) : 0;
        open += c.calls("circuit_open");
        rejected += c.calls("bulkhead_full");
        fallbacks += c.fallbacks();
        clientErrors += c.calls("client_error");
        opened += r.changesTo(client, "OPEN");
        if (client.equals(RESTAURANTS)) {
          hedges += c.hedges();
          firstAttempts += c.attempts("first");
        }
        closed += r.transitions().stream()
            .filter(t -> t.client().equals(client) && t.to().equals("CLOSED")).count();
      }
    }
    List<String> effects = new ArrayList<>(List.of(
        "deadline: " + n(timeouts) + " calls stopped at their deadline instead of waiting for a slow answer",
        "retries: " + n(retries) + " extra attempts, only for idempotent calls (GET, NO_SIDE_EFFECTS) and within"
            + " the retry budget; CreateTicket was never retried",
        "hedging: " + n(hedges) + " hedges sent (" + Format.percent(hedges, firstAttempts) + " extra restaurant"
            + " requests): copies of GETs slower than their recent p" + FtgoClients.RESTAURANTS_HEDGE_PERCENTILE
            + ", or sent at once after a 503, within the retry budget; the first answer won, the other copies were cancelled",
        "circuit breaker: opened " + n(opened) + "x, closed again " + n(closed) + "x; " + n(open)
            + " calls failed fast instead of hitting a service that was down",
        "concurrency limit: " + n(rejected) + " calls rejected at once over the limit (restaurants: adaptive,"
            + " from latency; consumers and kitchen: fixed " + FtgoClients.GRPC_BULKHEAD + ")",
        "fallback: " + n(fallbacks) + " failed restaurant calls answered with the last good menu (Fallbacks.cached())",
        "classification: " + n(clientErrors) + " caller's errors (FAILED_PRECONDITION) thrown as they were: not"
            + " retried, not counted by the breaker, never answered by a fallback"));
    if (streams > 0) {
      effects.add("streams: " + n(streams) + " kitchen tickets followed (WatchTicket, about 1 placed order in 10), "
          + n(streamsOk) + " to their end, " + n(messages) + " events delivered; each stream held one kitchen permit"
          + " until it ended and is one rpc.client.calls sample (left out of the p99 above)");
    }
    return effects;
  }

  private static String n(double v) {
    return Format.count(v);
  }
}
