package dev.rpcproxy.spring.internal;

import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.Endpoints;
import java.net.URI;
import java.util.List;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Reads {@code rpcproxy.clients.<name>.endpoints}: the name of an {@link EndpointSource} bean
 * (used, never closed), one {@code dns:host:port} / {@code dns:https://host:port}, one
 * {@code srv:_service._tcp.domain}, or a list of URLs. Sources made here are closed with the client.
 */
final class EndpointSettings {
  private EndpointSettings() {}

  /** The source, or {@code null} if the list is empty. */
  static EndpointSource source(String property, List<String> entries, BeanFactory beans, Resources owned) {
    if (entries == null || entries.isEmpty()) {
      return null;
    }
    if (entries.size() == 1) {
      String only = entries.get(0).trim();
      if (!only.contains(":") && beans.containsBean(only)) {
        if (!beans.isTypeMatch(only, EndpointSource.class)) {
          throw new InvalidConfigurationPropertyValueException(property, only,
              "bean '" + only + "' is not a dev.rpcproxy.EndpointSource");
        }
        return beans.getBean(only, EndpointSource.class);
      }
      if (only.startsWith("dns:")) {
        return owned.add(dns(property, only));
      }
      if (only.startsWith("srv:")) {
        String service = only.substring(4);
        return owned.add(wrap(property, only, () -> Endpoints.srv(service, "http")));
      }
    }
    for (String entry : entries) {
      if (entry.startsWith("dns:") || entry.startsWith("srv:")) {
        throw new InvalidConfigurationPropertyValueException(property, entries,
            "a dns: or srv: entry must be the only one");
      }
    }
    return owned.add(wrap(property, entries, () -> Endpoints.of(entries.stream().map(String::trim).toArray(String[]::new))));
  }

  private static EndpointSource dns(String property, String entry) {
    String rest = entry.substring(4);
    URI uri = URI.create(rest.contains("://") ? rest : "http://" + rest);
    if (uri.getHost() == null || uri.getPort() < 0) {
      throw new InvalidConfigurationPropertyValueException(property, entry,
          "expected dns:host:port or dns:https://host:port");
    }
    return wrap(property, entry, () -> Endpoints.dns(uri.getHost(), uri.getPort(), uri.getScheme()));
  }

  private static EndpointSource wrap(String property, Object value, java.util.function.Supplier<EndpointSource> make) {
    try {
      return make.get();
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigurationPropertyValueException(property, value, e.getMessage());
    }
  }
}
