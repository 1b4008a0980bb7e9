package dev.rpcproxy.spring.internal;

import dev.rpcproxy.Fallback;
import dev.rpcproxy.Fallbacks;
import dev.rpcproxy.RpcProxy;
import dev.rpcproxy.spi.Transport;
import dev.rpcproxy.spring.RpcClientCustomizer;
import dev.rpcproxy.spring.RpcProxyProperties;
import dev.rpcproxy.spring.RpcProxyProperties.PolicySettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartFactoryBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.ClassUtils;

/**
 * Makes one {@code @RpcClient} interface's proxy from {@code rpcproxy.*}, the context's
 * registries and beans, and the {@link RpcClientCustomizer}s; closes it (its transport, and the
 * channel and endpoint sources made for it) when the context closes.
 */
public final class RpcClientFactoryBean
    implements SmartFactoryBean<Object>, BeanFactoryAware, BeanClassLoaderAware, DisposableBean {
  /** Bean definition attribute holding the client's name. */
  public static final String CLIENT_NAME = "dev.rpcproxy.spring.clientName";


  private final Class<?> api;
  private final String name;
  private final Class<?> grpcService;
  private final Resources owned = new Resources();
  private ListableBeanFactory beans;
  private ClassLoader classLoader;
  private Object proxy;

  /**
   * @param grpcService the generated {@code *Grpc} class, or {@code null} for a REST client
   */
  public RpcClientFactoryBean(Class<?> api, String name, Class<?> grpcService) {
    this.api = api;
    this.name = name;
    this.grpcService = grpcService;
  }

  @Override
  public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
    this.beans = (ListableBeanFactory) beanFactory;
  }

  @Override
  public void setBeanClassLoader(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  @Override
  public synchronized Object getObject() {
    if (proxy == null) {
      try {
        proxy = build();
      } catch (RuntimeException e) {
        owned.close();
        throw e;
      }
    }
    return proxy;
  }

  /** The proxy if it was built already, else {@code null}. */
  synchronized Object existing() {
    return proxy;
  }

  boolean isGrpc() {
    return grpcService != null;
  }

  /** Built at startup, so that a bad setting fails startup rather than the first call. */
  @Override
  public boolean isEagerInit() {
    return true;
  }

  @Override
  public Class<?> getObjectType() {
    return api;
  }

  @Override
  public synchronized void destroy() {
    try {
      if (proxy != null) {
        RpcProxy.close(proxy);
      }
    } finally {
      owned.close();
    }
  }

  private Object build() {
    RpcProxyProperties properties = beans.getBean(RpcProxyProperties.class);
    RpcProxyProperties.Defaults defaults = properties.getDefaults();
    RpcProxyProperties.Client client = properties.getClients().getOrDefault(name, new RpcProxyProperties.Client());
    String prefix = "rpcproxy.clients." + name;
    MeterRegistry registry = beans.getBeanProvider(MeterRegistry.class).getIfUnique();

    @SuppressWarnings("unchecked")
    RpcProxy.Builder<Object> builder = RpcProxy.builder((Class<Object>) api).name(name);
    SettingsChain chain = new SettingsChain().then(prefix, client).then("rpcproxy.defaults", defaults);
    Boolean perMethod = client.getCircuitBreakerPerMethod() != null
        ? client.getCircuitBreakerPerMethod() : defaults.getCircuitBreakerPerMethod();
    builder.policy(PropertyPolicies.client(chain, perMethod));
    Setting<String> fallback = chain.get("fallback", PolicySettings::getFallback);
    if (fallback.present()) {
      builder.fallback(fallback(fallback));
    }
    TreeSet<String> methodNames = Arrays.stream(api.getMethods())
        .filter(m -> !m.isDefault() && !Modifier.isStatic(m.getModifiers()))
        .map(Method::getName).collect(Collectors.toCollection(TreeSet::new));
    for (Map.Entry<String, PolicySettings> entry : client.getMethods().entrySet()) {
      String method = entry.getKey();
      String methodPrefix = prefix + ".methods." + method;
      if (!methodNames.contains(method)) {
        throw new InvalidConfigurationPropertyValueException(methodPrefix, method,
            api.getName() + " has no method '" + method + "'; its methods are " + methodNames);
      }
      SettingsChain own = new SettingsChain().then(methodPrefix, entry.getValue());
      SettingsChain groups = new SettingsChain().then(methodPrefix, entry.getValue())
          .then(prefix, client).then("rpcproxy.defaults", defaults);
      builder.policy(method, PropertyPolicies.method(own, groups));
      Setting<String> methodFallback = own.get("fallback", PolicySettings::getFallback);
      if (methodFallback.present()) {
        builder.fallback(method, fallback(methodFallback));
      }
    }

    Transport transport = transport(prefix, client, defaults, registry);
    builder.transport(transport);
    if (registry != null) {
      builder.meterRegistry(registry);
    }
    ObservationRegistry observations = beans.getBeanProvider(ObservationRegistry.class).getIfUnique();
    if (observations != null && !observations.isNoop()) {
      builder.observationRegistry(observations);
    }
    beans.getBeanProvider(RpcClientCustomizer.class).orderedStream()
        .forEach(customizer -> customizer.customize(name, builder));
    try {
      return builder.build();
    } catch (RuntimeException e) {
      transport.close();
      if (!(e instanceof IllegalArgumentException)) {
        throw e;
      }
      throw new IllegalStateException("@RpcClient(\"" + name + "\") " + api.getName()
          + " cannot be built from " + prefix + ".*: " + e.getMessage(), e);
    }
  }

  private Transport transport(String prefix, RpcProxyProperties.Client client, RpcProxyProperties.Defaults defaults,
      MeterRegistry registry) {
    if (grpcService != null) {
      if (!ClassUtils.isPresent("dev.rpcproxy.grpc.GrpcTransport", classLoader)
          || !ClassUtils.isPresent("io.grpc.ManagedChannelBuilder", classLoader)) {
        throw new IllegalStateException(api.getName() + " is a gRPC client but dev.rpcproxy:rpc-proxy-grpc is not on the class path");
      }
      return GrpcTransports.create(prefix, api, grpcService, client, defaults, beans, owned);
    }
    if (!ClassUtils.isPresent("dev.rpcproxy.http.HttpTransport", classLoader)
        || !ClassUtils.isPresent("okhttp3.OkHttpClient", classLoader)) {
      throw new IllegalStateException(api.getName() + " is a REST client (its @RpcClient names no grpcService)"
          + " but dev.rpcproxy:rpc-proxy-http is not on the class path");
    }
    return RestTransports.create(prefix, client, defaults, beans, registry, owned, classLoader);
  }

  private Fallback fallback(Setting<String> setting) {
    String value = setting.value().trim();
    if (value.equalsIgnoreCase("cached")) {
      return Fallbacks.cached();
    }
    if (beans.containsBean(value) && beans.isTypeMatch(value, Fallback.class)) {
      return beans.getBean(value, Fallback.class);
    }
    throw setting.invalid("expected 'cached' or the name of a bean of type dev.rpcproxy.Fallback");
  }

  @Override
  public String toString() {
    return "RpcClientFactoryBean[" + name + " " + api.getName() + "]";
  }
}
