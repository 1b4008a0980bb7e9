package dev.rpcproxy.spring;

import dev.rpcproxy.spring.internal.AutoConfiguredRpcClientsRegistrar;
import dev.rpcproxy.spring.internal.PropertyNamesCheck;
import dev.rpcproxy.spring.internal.RpcClientBeans;
import dev.rpcproxy.spring.internal.RpcClientFactoryBean;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Registers every {@link RpcClient} interface of the application's packages (or of
 * {@link EnableRpcClients}) as a bean configured from {@link RpcProxyProperties}, with the
 * context's {@code MeterRegistry}, {@code ObservationRegistry}, {@code OkHttpClient} and JSON
 * mapper when it has them.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration"})
@EnableConfigurationProperties(RpcProxyProperties.class)
@Import(AutoConfiguredRpcClientsRegistrar.class)
public class RpcProxyAutoConfiguration {

  /** Fails startup on a misspelt key under {@code rpcproxy.}, naming the nearest known one. */
  @Bean
  static PropertyNamesCheck rpcProxyPropertyNamesCheck(Environment environment) {
    return new PropertyNamesCheck(environment);
  }

  /** Warns of {@code rpcproxy.clients.<name>} entries that no {@code @RpcClient} uses: usually a typo. */
  @Bean
  static SmartInitializingSingleton rpcClientNamesCheck(ConfigurableListableBeanFactory beans,
      ObjectProvider<RpcProxyProperties> properties) {
    return () -> {
      Set<String> used = new HashSet<>();
      for (String beanName : beans.getBeanDefinitionNames()) {
        Object name = beans.getBeanDefinition(beanName).getAttribute(RpcClientFactoryBean.CLIENT_NAME);
        if (name instanceof String client) {
          used.add(client);
        }
      }
      for (String configured : properties.getObject().getClients().keySet()) {
        if (!used.contains(configured)) {
          LoggerFactory.getLogger(RpcProxyAutoConfiguration.class).warn(
              "rpcproxy.clients.{} names no @RpcClient interface (clients: {})", configured, new TreeSet<>(used));
        }
      }
    };
  }

  /** The context's clients, as the Actuator endpoint and health contributor list them. */
  @Bean
  @ConditionalOnMissingBean
  public RpcClientBeans rpcClientBeans(ConfigurableListableBeanFactory beans, RpcProxyProperties properties) {
    return new RpcClientBeans(beans, properties);
  }
}
