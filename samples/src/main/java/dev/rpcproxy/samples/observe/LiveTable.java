package dev.rpcproxy.samples.observe;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The demo's running output: once a second, one row per client with its calls per second by
 * outcome, breaker state, most calls in flight against the bulkhead limit, and fallbacks served;
 * then the orders, and the streams of each client that has streaming methods. Everything is read
 * from the meter registry.
 */
public final class LiveTable {
  private static final String ROW = "%6s  %-12s %7s %5s %5s %5s %5s %5s %5s %5s %5s  %-9s %9s%n";

  private final PrintStream out;
  private final RegistryReader reader;
  private final ClientStateSampler sampler;

  public LiveTable(PrintStream out, RegistryReader reader, ClientStateSampler sampler) {
    this.out = out;
    this.reader = reader;
    this.sampler = sampler;
  }

  /** The column titles and what they mean. */
  public void header() {
    out.printf(ROW, "t", "client", "calls/s", "ok", "4xx", "fail", "tmo", "rej", "open", "cxl", "fb/s",
        "breaker", "in-flight");
  }

  /**
   * One block of rows for the {@code seconds} ending {@code runSeconds} into the run.
   *
   * @param delta what happened in those seconds
   * @return the most calls in flight per client in this interval, in {@link RegistryReader#clients()} order
   */
  public int[] print(double runSeconds, Snapshot delta, double seconds) {
    StringBuilder block = new StringBuilder();
    String time = String.format(Locale.ROOT, "%.0fs", runSeconds);
    int[] maxInFlight = new int[reader.clients().size()];
    int i = 0;
    for (String client : reader.clients()) {
      ClientCounts c = delta.client(client);
      int inFlight = sampler.takeMaxInFlight(client);
      maxInFlight[i++] = inFlight;
      int limit = reader.bulkheadLimit(client);
      block.append(String.format(Locale.ROOT, ROW, i == 1 ? time : "", client,
          rate(c.total(), seconds),
          rate(c.calls(Outcomes.SUCCESS), seconds),
          rate(c.calls(Outcomes.CLIENT_ERROR), seconds),
          rate(c.calls(Outcomes.FAILURE), seconds),
          rate(c.calls(Outcomes.TIMEOUT), seconds),
          rate(c.calls(Outcomes.BULKHEAD_FULL), seconds),
          rate(c.calls(Outcomes.CIRCUIT_OPEN), seconds),
          rate(c.calls(Outcomes.CANCELLED), seconds),
          rate(c.fallbacks(), seconds),
          reader.breakerState(client).orElse("?"),
          limit < 0 ? "-" : inFlight + "/" + limit));
    }
    block.append(String.format(Locale.ROOT, "%6s  %-12s %7s placed %s, rejected %s, failed %s, p99 %s%n", "",
        "orders", rate(delta.ordersTotal(), seconds),
        rate(delta.orders("placed"), seconds), rate(delta.orders("rejected"), seconds),
        rate(delta.orders("failed"), seconds), Format.millis(delta.orderP99Millis())));
    for (String client : reader.clients()) {
      StreamCounts streams = delta.client(client).streams();
      if (!streams.methods().isEmpty()) {
        block.append(String.format(Locale.ROOT, "%6s  %-12s %7s ok %s, fail %s, tmo %s, rej %s, cxl %s; messages %s/s (%s.%s)%n",
            "", "streams", rate(streams.total(), seconds), rate(streams.calls(Outcomes.SUCCESS), seconds),
            rate(streams.failed(), seconds), rate(streams.calls(Outcomes.TIMEOUT), seconds),
            rate(streams.rejected(), seconds), rate(streams.calls(Outcomes.CANCELLED), seconds),
            rate(streams.messages(), seconds), client, String.join(",", streams.methods())));
      }
    }
    out.print(block);
    out.flush();
    return maxInFlight;
  }

  private static String rate(double n, double seconds) {
    return String.format(Locale.ROOT, "%.0f", seconds > 0 ? n / seconds : 0);
  }
}
