package dev.rpcproxy.samples.observe;

import java.util.List;
import java.util.Locale;

/** How the demo writes numbers, durations and breaker paths. */
public final class Format {
  private Format() {}

  /** {@code 8 ms}, {@code 312 ms}, {@code 1.2 s}; {@code -} for NaN. */
  public static String millis(double ms) {
    if (Double.isNaN(ms)) {
      return "-";
    }
    if (ms < 10) {
      return String.format(Locale.ROOT, "%.1f ms", ms);
    }
    if (ms < 1000) {
      return String.format(Locale.ROOT, "%.0f ms", ms);
    }
    return String.format(Locale.ROOT, "%.1f s", ms / 1000);
  }

  /** {@code 4.0 s}. */
  public static String seconds(double s) {
    return String.format(Locale.ROOT, "%.1f s", s);
  }

  /** A whole number with thousands separators. */
  public static String count(double n) {
    return String.format(Locale.ROOT, "%,d", Math.round(n));
  }

  /** A share as a percentage of {@code of}; {@code -} if {@code of} is 0. */
  public static String percent(double part, double of) {
    return of <= 0 ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * part / of);
  }

  /** One letter per breaker state: C closed, O open, H half-open; other states by name. */
  public static String state(String state) {
    return switch (state) {
      case "CLOSED" -> "C";
      case "OPEN" -> "O";
      case "HALF_OPEN" -> "H";
      default -> state.toLowerCase(Locale.ROOT);
    };
  }

  /** The states a breaker went through, e.g. {@code C→O→H→C}; long paths keep both ends. */
  public static String path(String start, List<String> to) {
    StringBuilder all = new StringBuilder(state(start));
    for (String s : to) {
      all.append('→').append(state(s));
    }
    if (to.size() <= 9) {
      return all.toString();
    }
    String head = state(start) + "→" + state(to.get(0)) + "→" + state(to.get(1));
    String tail = state(to.get(to.size() - 2)) + "→" + state(to.get(to.size() - 1));
    return head + "→…→" + tail + " (" + to.size() + " changes)";
  }
}
