package dev.rpcproxy.spring.internal;

import dev.rpcproxy.spring.RpcProxyProperties;
import java.beans.PropertyDescriptor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.PriorityOrdered;
import org.springframework.core.env.Environment;
import org.springframework.core.env.StandardEnvironment;

/**
 * Fails startup on a key under {@code rpcproxy.} that {@link RpcProxyProperties} has no property
 * for ({@code rpcproxy.clients.x.timout}), naming it and the nearest known key of its level
 * ({@code rpcproxy.clients.x.timeout}). Without it, Boot's binder would skip such a key and the
 * client would run on the default. The known keys are read from {@link RpcProxyProperties} itself;
 * map keys (client, method and header names) are free.
 *
 * <p>Runs before the properties are bound (ahead of Boot's binding post-processor), so that a
 * misspelt key is reported before any setting it was meant to fix. Keys from environment
 * variables are not checked: their names cannot tell a client {@code flaky-kitchen} from
 * {@code flaky.kitchen}.
 */
public final class PropertyNamesCheck implements BeanPostProcessor, PriorityOrdered {
  private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("rpcproxy");

  private final Environment environment;

  public PropertyNamesCheck(Environment environment) {
    this.environment = environment;
  }

  @Override
  public int getOrder() {
    return HIGHEST_PRECEDENCE;
  }

  @Override
  public Object postProcessBeforeInitialization(Object bean, String beanName) {
    if (bean instanceof RpcProxyProperties) {
      check(environment);
    }
    return bean;
  }

  /** Throws for the first unknown key under {@code rpcproxy.}, in name order. */
  static void check(Environment environment) {
    Set<ConfigurationPropertyName> names = new TreeSet<>(Comparator.comparing(ConfigurationPropertyName::toString));
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      if (source instanceof IterableConfigurationPropertySource iterable && !fromEnvironmentVariables(source)) {
        iterable.filter(ROOT::isAncestorOf).forEach(names::add);
      }
    }
    for (ConfigurationPropertyName name : names) {
      String problem = problem(name);
      if (problem != null) {
        Object origin = null;
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
          ConfigurationProperty property = source.getConfigurationProperty(name);
          if (property != null) {
            origin = property.getOrigin();
            break;
          }
        }
        // The value is left out: a misspelt headers key may hold a credential.
        throw new IllegalStateException("Property " + name + (origin != null ? " (" + origin + ")" : "")
            + " is not an rpc-proxy setting: " + problem);
      }
    }
  }

  private static boolean fromEnvironmentVariables(ConfigurationPropertySource source) {
    return source.getUnderlyingSource() instanceof org.springframework.core.env.PropertySource<?> ps
        && StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(ps.getName());
  }

  /** Why {@code name} is not a key of {@link RpcProxyProperties}, or {@code null} if it is one. */
  static String problem(ConfigurationPropertyName name) {
    Class<?> type = RpcProxyProperties.class;
    StringBuilder at = new StringBuilder("rpcproxy");
    for (int i = 1; i < name.getNumberOfElements(); i++) {
      String element = name.getElement(i, Form.ORIGINAL);
      PropertyDescriptor property = find(type, name.getElement(i, Form.UNIFORM));
      if (property == null) {
        return unknown(type, at, element);
      }
      at.append('.').append(dashed(property.getName()));
      Type generic = property.getWriteMethod().getGenericParameterTypes()[0];
      Class<?> raw = property.getPropertyType();
      if (Map.class.isAssignableFrom(raw)) {
        Type valueType = ((ParameterizedType) generic).getActualTypeArguments()[1];
        if (!(valueType instanceof Class<?> valueClass) || isValue(valueClass) || i + 1 >= name.getNumberOfElements()) {
          return null;   // a map of values (headers): any key, dots included
        }
        i++;
        at.append('.').append(name.getElement(i, Form.ORIGINAL));
        type = valueClass;
      } else if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
        return null;   // endpoints[0], endpoints[1], ...
      } else if (isValue(raw)) {
        return i + 1 == name.getNumberOfElements() ? null
            : at + " takes a value; it has no key '" + name.getElement(i + 1, Form.ORIGINAL) + "'";
      } else {
        type = raw;
      }
    }
    return null;
  }

  private static String unknown(Class<?> type, StringBuilder at, String element) {
    Class<?> perClient = type == RpcProxyProperties.Defaults.class ? RpcProxyProperties.Client.class
        : type == RpcProxyProperties.GrpcDefaults.class && at.toString().equals("rpcproxy.defaults.grpc")
            ? RpcProxyProperties.Grpc.class : null;
    PropertyDescriptor clientOnly = perClient != null ? find(perClient, uniform(element)) : null;
    if (clientOnly != null) {
      String under = at.substring("rpcproxy.defaults".length());   // "" or ".grpc"
      return "'" + dashed(clientOnly.getName()) + "' is set per client, not in rpcproxy.defaults: use rpcproxy.clients.<name>"
          + under + "." + dashed(clientOnly.getName());
    }
    TreeSet<String> known = new TreeSet<>();
    for (PropertyDescriptor property : writable(type)) {
      known.add(dashed(property.getName()));
    }
    String nearest = null;
    int best = Integer.MAX_VALUE;
    for (String candidate : known) {
      int distance = distance(uniform(element), uniform(candidate));
      if (distance < best) {
        best = distance;
        nearest = candidate;
      }
    }
    String unknown = "no such property";
    if (nearest != null && best <= Math.max(2, uniform(element).length() / 3)) {
      return unknown + "; did you mean " + at + "." + nearest + "?";
    }
    return unknown + "; the keys under " + at + " are " + known;
  }

  private static PropertyDescriptor find(Class<?> type, String uniform) {
    for (PropertyDescriptor property : writable(type)) {
      if (uniform(dashed(property.getName())).equals(uniform)) {
        return property;
      }
    }
    return null;
  }

  private static java.util.List<PropertyDescriptor> writable(Class<?> type) {
    return java.util.Arrays.stream(BeanUtils.getPropertyDescriptors(type))
        .filter(p -> p.getWriteMethod() != null && p.getReadMethod() != null).toList();
  }

  private static boolean isValue(Class<?> type) {
    return BeanUtils.isSimpleValueType(type) || type == Duration.class || type == Object.class;
  }

  private static String dashed(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
  }

  private static String uniform(String dashed) {
    return dashed.replace("-", "").toLowerCase(java.util.Locale.ROOT);
  }

  /** Levenshtein distance. */
  static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
