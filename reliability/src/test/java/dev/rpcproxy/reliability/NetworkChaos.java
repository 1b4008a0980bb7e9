package dev.rpcproxy.reliability;

import dev.rpcproxy.reliability.faultproxy.Direction;
import dev.rpcproxy.reliability.faultproxy.FaultProxy;
import dev.rpcproxy.reliability.faultproxy.Toxic;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Network faults for the chaos harness's outage phases: at the start of each outage, one seeded
 * {@link Kind} per client's {@link FaultProxy}, on top of the servers' own faults; all cleared when
 * the outage ends (connections already black-holed stay dead until the client's own mechanisms
 * drop them: the call's deadline for OkHttp, keepalive for gRPC). Counts, per kind and client, how
 * often it was applied and what the callers saw while it was.
 */
final class NetworkChaos {
  /** The network faults mixed into outages. */
  enum Kind {
    LATENCY, BANDWIDTH, BLACK_HOLE_MID_RESPONSE, RESET_MID_RESPONSE, CLOSE_MID_RESPONSE, REFUSE, RESET_ON_ACCEPT,
    SLOW_CLOSE, HALF_OPEN
  }

  /** One client's proxy and what happened under each kind. */
  static final class Target {
    final ChaosHarness.ClientFigures figures;
    final FaultProxy proxy;
    final Map<Kind, long[]> applied = new EnumMap<>(Kind.class); // {times, calls, answered, failed}
    private Kind active;
    private long issuedAtStart;
    private long answeredAtStart;

    Target(ChaosHarness.ClientFigures figures, FaultProxy proxy) {
      this.figures = figures;
      this.proxy = proxy;
      for (Kind k : Kind.values()) {
        applied.put(k, new long[4]);
      }
    }

    private long answered() {
      return figures.seen(ChaosHarness.Seen.SUCCESS) + figures.seen(ChaosHarness.Seen.FALLBACK);
    }
  }

  private final Random random;
  private final Target[] targets;

  NetworkChaos(long seed, Target... targets) {
    this.random = new Random(seed);
    this.targets = targets;
  }

  void outageStarts() {
    for (Target t : targets) {
      Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
      apply(t.proxy, kind);
      t.active = kind;
      t.issuedAtStart = t.figures.issued.sum();
      t.answeredAtStart = t.answered();
    }
  }

  void outageEnds() {
    for (Target t : targets) {
      if (t.active == null) {
        continue;
      }
      t.proxy.clearToxics();
      t.proxy.accepting(FaultProxy.Accepting.NORMALLY);
      long[] figures = t.applied.get(t.active);
      long calls = t.figures.issued.sum() - t.issuedAtStart;
      long answered = t.answered() - t.answeredAtStart;
      figures[0]++;
      figures[1] += calls;
      figures[2] += answered;
      figures[3] += calls - answered;
      t.active = null;
    }
  }

  private void apply(FaultProxy proxy, Kind kind) {
    switch (kind) {
      case LATENCY -> proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.latency(Duration.ofMillis(100), Duration.ofMillis(80)));
      case BANDWIDTH -> proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.bandwidth(2_000));
      case BLACK_HOLE_MID_RESPONSE -> proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.cutAfter(40 + random.nextInt(200), Toxic.Cut.BLACK_HOLE));
      case RESET_MID_RESPONSE -> proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.cutAfter(40 + random.nextInt(200), Toxic.Cut.RESET));
      case CLOSE_MID_RESPONSE -> proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.cutAfter(40 + random.nextInt(200), Toxic.Cut.CLOSE));
      case REFUSE -> { // the port closes: established connections die too, as when the process is gone
        proxy.accepting(FaultProxy.Accepting.REFUSE);
        proxy.resetExisting();
      }
      case RESET_ON_ACCEPT -> {
        proxy.accepting(FaultProxy.Accepting.RESET);
        proxy.resetExisting();
      }
      case SLOW_CLOSE -> {
        proxy.toxic(Direction.UPSTREAM, Toxic.NONE.slowClose(Duration.ofMillis(500)));
        proxy.toxic(Direction.DOWNSTREAM, Toxic.NONE.slowClose(Duration.ofMillis(500)));
      }
      case HALF_OPEN -> proxy.halfOpenExisting();
    }
  }

  /** A Markdown table: per kind, times applied, and the calls made meanwhile, answered / failed, per client. */
  String table() {
    StringBuilder out = new StringBuilder("| network fault (outage phases) |");
    for (Target t : targets) {
      out.append(' ').append(t.figures.name).append(": applied, calls, answered, failed |");
    }
    out.append("\n|---|");
    for (int i = 0; i < targets.length; i++) {
      out.append("---:|");
    }
    out.append('\n');
    for (Kind k : Kind.values()) {
      out.append("| ").append(k.name().toLowerCase(Locale.ROOT).replace('_', ' ')).append(" |");
      for (Target t : targets) {
        long[] f = t.applied.get(k);
        out.append(String.format(Locale.ROOT, " %d, %d, %d, %d |", f[0], f[1], f[2], f[3]));
      }
      out.append('\n');
    }
    return out.toString();
  }
}
