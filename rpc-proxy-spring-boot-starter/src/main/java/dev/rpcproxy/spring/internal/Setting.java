package dev.rpcproxy.spring.internal;

import java.util.function.Consumer;
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

  boolean present() {
    return value != null;
  }

  /** Hands the value, if there is one, to {@code target}; its {@code IllegalArgumentException} names this property. */
  void applyTo(Consumer<T> target) {
    if (value == null) {
      return;
    }
    try {
      target.accept(value);
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
  }

  InvalidConfigurationPropertyValueException invalid(String reason) {
    return new InvalidConfigurationPropertyValueException(name, value, reason);
  }
}
