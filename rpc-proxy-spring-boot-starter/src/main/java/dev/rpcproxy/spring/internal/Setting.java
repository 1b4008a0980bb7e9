package dev.rpcproxy.spring.internal;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * One property's value and the full name it was read from ({@code rpcproxy.clients.x.timeout},
 * or {@code rpcproxy.defaults.timeout} when inherited), so that a value the library rejects fails
 * startup naming the property.
 *
 * @param name the property's full name
 * @param value its value, or {@code null} if no level sets it
 * @param level how specific the level it came from is: 0 the most specific
 */
record Setting<T>(String name, T value, int level) {
  /** A lower-camel-case word not inside a dotted class name: {@code maxConcurrentCalls}. */
  private static final Pattern JAVA_NAME = Pattern.compile("(?<![\\w.])[a-z]+(?:[A-Z][a-z0-9]*)+(?![\\w.])");

  boolean present() {
    return value != null;
  }

  /**
   * Hands the value, if there is one, to {@code target}; its {@code IllegalArgumentException} names
   * this property, and the Java names in its message ({@code maxConcurrentCalls}) read as the
   * property names a user writes ({@code max-concurrent-calls}).
   */
  void applyTo(Consumer<T> target) {
    if (value == null) {
      return;
    }
    try {
      target.accept(value);
    } catch (IllegalArgumentException e) {
      throw invalid(asPropertyNames(String.valueOf(e.getMessage())));
    }
  }

  /** {@code "maxConcurrentCalls must be at least 1"} as {@code "max-concurrent-calls must be at least 1"}. */
  static String asPropertyNames(String message) {
    Matcher camel = JAVA_NAME.matcher(message);
    StringBuilder out = new StringBuilder();
    while (camel.find()) {
      camel.appendReplacement(out, camel.group().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT));
    }
    return camel.appendTail(out).toString();
  }

  InvalidConfigurationPropertyValueException invalid(String reason) {
    return new InvalidConfigurationPropertyValueException(name, value, reason);
  }
}
