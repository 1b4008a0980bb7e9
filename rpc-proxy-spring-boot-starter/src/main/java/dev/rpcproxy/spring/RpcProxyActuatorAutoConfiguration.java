package dev.rpcproxy.spring;

import dev.rpcproxy.spring.internal.RpcClientBeans;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * With Actuator on the class path: the endpoint {@code rpcclients} and the health contributor
 * {@code rpcClients}. Each part needs its own Boot module and is skipped without it.
 */
@AutoConfiguration(after = RpcProxyAutoConfiguration.class)
public class RpcProxyActuatorAutoConfiguration {

  /** The {@code rpcclients} endpoint, when spring-boot-actuator-autoconfigure is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = {
      "org.springframework.boot.actuate.endpoint.annotation.Endpoint",
      "org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint"})
  static class EndpointConfiguration {
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    RpcClientsEndpoint rpcClientsEndpoint(RpcClientBeans clients) {
      return new RpcClientsEndpoint(clients);
    }
  }

  /** The {@code rpcClients} health contributor, when spring-boot-health is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
  static class HealthConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "rpcClientsHealthIndicator")
    @ConditionalOnEnabledHealthIndicator("rpcclients")
    RpcClientsHealthIndicator rpcClientsHealthIndicator(RpcClientBeans clients, RpcProxyProperties properties) {
      return new RpcClientsHealthIndicator(clients, properties.getHealth());
    }
  }
}
