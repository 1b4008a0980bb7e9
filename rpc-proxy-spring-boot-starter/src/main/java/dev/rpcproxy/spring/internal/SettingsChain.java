package dev.rpcproxy.spring.internal;

import dev.rpcproxy.spring.RpcProxyProperties.PolicySettings;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The levels a client's or method's setting is looked up in, most specific first: a method,
 * its client, {@code rpcproxy.defaults}. The first level that sets a property wins.
 */
final class SettingsChain {
  private final List<String> prefixes = new ArrayList<>();
  private final List<PolicySettings> levels = new ArrayList<>();

  SettingsChain then(String prefix, PolicySettings settings) {
    if (settings != null) {
      prefixes.add(prefix);
      levels.add(settings);
    }
    return this;
  }

  /** The value of {@code suffix} ({@code timeout}, {@code retry.max-attempts}) from the first level that sets it. */
  <T> Setting<T> get(String suffix, Function<PolicySettings, T> getter) {
    for (int i = 0; i < levels.size(); i++) {
      T value = getter.apply(levels.get(i));
      if (value != null) {
        return new Setting<>(prefixes.get(i) + "." + suffix, value, i);
      }
    }
    return new Setting<>(prefixes.isEmpty() ? suffix : prefixes.get(0) + "." + suffix, null, Integer.MAX_VALUE);
  }

  /** Whether the most specific level alone sets any of {@code getters}. */
  boolean firstSetsAny(List<Function<PolicySettings, ?>> getters) {
    if (levels.isEmpty()) {
      return false;
    }
    for (Function<PolicySettings, ?> getter : getters) {
      if (getter.apply(levels.get(0)) != null) {
        return true;
      }
    }
    return false;
  }

  /** Whether any level sets any of {@code getters}. */
  boolean anySetsAny(List<Function<PolicySettings, ?>> getters) {
    for (PolicySettings level : levels) {
      for (Function<PolicySettings, ?> getter : getters) {
        if (getter.apply(level) != null) {
          return true;
        }
      }
    }
    return false;
  }

  String firstPrefix() {
    return prefixes.get(0);
  }
}
