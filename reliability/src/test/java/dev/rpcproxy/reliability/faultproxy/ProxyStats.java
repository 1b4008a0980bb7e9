package dev.rpcproxy.reliability.faultproxy;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** What a {@link FaultProxy} did: connections, bytes, and each toxic's effect. Thread-safe. */
public final class ProxyStats {
  private final LongAdder connectionsOpened = new LongAdder();
  private final LongAdder connectionsReset = new LongAdder();
  private final LongAdder upstreamConnectFailures = new LongAdder();
  private final AtomicLongArray forwarded = new AtomicLongArray(2);
  private final AtomicLongArray discarded = new AtomicLongArray(2);
  private final AtomicLongArray blackHoled = new AtomicLongArray(2);
  private final AtomicLongArray cuts = new AtomicLongArray(Toxic.Cut.values().length);
  private final LongAdder slowCloses = new LongAdder();

  void opened() {
    connectionsOpened.increment();
  }

  void resetOnAccept() {
    connectionsReset.increment();
  }

  void upstreamConnectFailed() {
    upstreamConnectFailures.increment();
  }

  void forwarded(Direction direction, long bytes) {
    forwarded.addAndGet(direction.ordinal(), bytes);
  }

  void discarded(Direction direction, long bytes) {
    discarded.addAndGet(direction.ordinal(), bytes);
  }

  void wentSilent(Direction direction) {
    blackHoled.incrementAndGet(direction.ordinal());
  }

  void cut(Toxic.Cut cut) {
    cuts.incrementAndGet(cut.ordinal());
  }

  void slowClose() {
    slowCloses.increment();
  }

  /** Connections accepted and forwarded to the upstream. */
  public long connectionsOpened() {
    return connectionsOpened.sum();
  }

  /** Connections accepted and reset at once ({@link FaultProxy.Accepting#RESET}). */
  public long connectionsReset() {
    return connectionsReset.sum();
  }

  public long upstreamConnectFailures() {
    return upstreamConnectFailures.sum();
  }

  public long bytesForwarded(Direction direction) {
    return forwarded.get(direction.ordinal());
  }

  public long bytesDiscarded(Direction direction) {
    return discarded.get(direction.ordinal());
  }

  /** Connection directions that went silent (a black-hole cut, or {@link ProxiedConnection#blackHole()}). */
  public long blackHoled(Direction direction) {
    return blackHoled.get(direction.ordinal());
  }

  public long cuts(Toxic.Cut cut) {
    return cuts.get(cut.ordinal());
  }

  public long slowCloses() {
    return slowCloses.sum();
  }

  /** Every counter by name, for summaries. */
  public Map<String, Long> asMap() {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    out.put("connections opened", connectionsOpened());
    out.put("connections reset on accept", connectionsReset());
    out.put("upstream connect failures", upstreamConnectFailures());
    for (Direction d : Direction.values()) {
      String name = d.name().toLowerCase(Locale.ROOT);
      out.put("bytes forwarded " + name, bytesForwarded(d));
      out.put("bytes discarded " + name, bytesDiscarded(d));
      out.put("directions black-holed " + name, blackHoled(d));
    }
    for (Toxic.Cut c : Toxic.Cut.values()) {
      out.put("cuts " + c.name().toLowerCase(Locale.ROOT), cuts(c));
    }
    out.put("slow closes", slowCloses());
    return out;
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
