package dev.rpcproxy.spring.internal;

import dev.rpcproxy.spring.EnableRpcClients;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.GenericBeanDefinition;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.ResourceLoaderAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.ClassUtils;

/** Registers the {@code @RpcClient} interfaces that {@link EnableRpcClients} names or scans. */
public final class RpcClientsRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware, ResourceLoaderAware {
  /** Registered when {@code @EnableRpcClients} is used: the auto-configuration then scans nothing. */
  static final String MARKER = "dev.rpcproxy.spring.internal.enableRpcClients";

  private Environment environment;
  private ResourceLoader resourceLoader;

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void setResourceLoader(ResourceLoader resourceLoader) {
    this.resourceLoader = resourceLoader;
  }

  @Override
  public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    Map<String, Object> attributes = metadata.getAnnotationAttributes(EnableRpcClients.class.getName());
    if (attributes == null) {
      return;
    }
    if (!registry.containsBeanDefinition(MARKER)) {
      GenericBeanDefinition marker = new GenericBeanDefinition();
      marker.setBeanClass(Object.class);
      registry.registerBeanDefinition(MARKER, marker);
    }
    Set<String> packages = new LinkedHashSet<>();
    for (String pkg : (String[]) attributes.get("basePackages")) {
      if (!pkg.isBlank()) {
        packages.add(pkg);
      }
    }
    for (Class<?> type : (Class<?>[]) attributes.get("basePackageClasses")) {
      packages.add(type.getPackageName());
    }
    Class<?>[] clients = (Class<?>[]) attributes.get("clients");
    if (packages.isEmpty() && clients.length == 0) {
      packages.add(ClassUtils.getPackageName(metadata.getClassName()));
    }
    RpcClientScanner scanner = new RpcClientScanner(registry, environment, resourceLoader);
    for (Class<?> client : clients) {
      scanner.register(client);
    }
    scanner.scan(packages);
  }
}
