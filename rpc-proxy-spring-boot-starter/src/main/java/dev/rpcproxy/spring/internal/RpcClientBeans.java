package dev.rpcproxy.spring.internal;

import dev.rpcproxy.spring.RpcProxyProperties;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;

/** The context's {@code @RpcClient} beans, for the Actuator endpoint and health contributor. */
public final class RpcClientBeans {
  /**
   * One client bean.
   *
   * @param name the client's name
   * @param proxy the proxy (its bean)
   * @param kind {@code rest} or {@code grpc}
   * @param target where it connects, as configured: base URL, endpoints or gRPC target
   */
  public record Entry(String name, Object proxy, String kind, String target) {}

  private final ConfigurableListableBeanFactory beans;
  private final RpcProxyProperties properties;

  public RpcClientBeans(ConfigurableListableBeanFactory beans, RpcProxyProperties properties) {
    this.beans = beans;
    this.properties = properties;
  }

  /** Every client, in registration order; creates none that does not exist yet. */
  public List<Entry> clients() {
    List<Entry> entries = new ArrayList<>();
    for (String beanName : beans.getBeanDefinitionNames()) {
      BeanDefinition definition = beans.getBeanDefinition(beanName);
      Object name = definition.getAttribute(RpcClientFactoryBean.CLIENT_NAME);
      if (!(name instanceof String client) || !beans.containsSingleton("&" + beanName) && !beans.containsSingleton(beanName)) {
        continue;
      }
      RpcClientFactoryBean factory = beans.getBean("&" + beanName, RpcClientFactoryBean.class);
      Object proxy = factory.existing();
      if (proxy == null) {
        continue;
      }
      RpcProxyProperties.Client settings = properties.getClients().getOrDefault(client, new RpcProxyProperties.Client());
      String target = settings.getGrpc().getTarget() != null ? settings.getGrpc().getTarget()
          : settings.getBaseUrl() != null ? settings.getBaseUrl() : String.join(",", settings.getEndpoints());
      entries.add(new Entry(client, proxy, factory.isGrpc() ? "grpc" : "rest", target));
    }
    return entries;
  }
}
