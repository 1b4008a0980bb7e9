package dev.rpcproxy.spring.internal;

import dev.rpcproxy.spring.GrpcService;
import dev.rpcproxy.spring.RpcClient;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.annotation.AnnotatedBeanDefinition;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ResourceLoader;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

/**
 * Finds {@link RpcClient} interfaces in packages and registers one {@link RpcClientFactoryBean}
 * definition per interface, named after the interface. An interface already registered is skipped;
 * two interfaces with one client name are refused.
 */
final class RpcClientScanner {
  private final BeanDefinitionRegistry registry;
  private final Environment environment;
  private final ResourceLoader resourceLoader;

  RpcClientScanner(BeanDefinitionRegistry registry, Environment environment, ResourceLoader resourceLoader) {
    this.registry = registry;
    this.environment = environment;
    this.resourceLoader = resourceLoader;
  }

  void scan(Collection<String> packages) {
    ClassPathScanningCandidateComponentProvider scanner =
        new ClassPathScanningCandidateComponentProvider(false, environment) {
          @Override
          protected boolean isCandidateComponent(AnnotatedBeanDefinition definition) {
            return definition.getMetadata().isInterface() && definition.getMetadata().isIndependent();
          }
        };
    if (resourceLoader != null) {
      scanner.setResourceLoader(resourceLoader);
    }
    scanner.addIncludeFilter(new AnnotationTypeFilter(RpcClient.class, false, true));
    Set<String> found = new LinkedHashSet<>();
    for (String pkg : packages) {
      for (BeanDefinition candidate : scanner.findCandidateComponents(pkg)) {
        found.add(candidate.getBeanClassName());
      }
    }
    ClassLoader loader = resourceLoader != null ? resourceLoader.getClassLoader() : ClassUtils.getDefaultClassLoader();
    for (String className : found) {
      register(ClassUtils.resolveClassName(className, loader));
    }
  }

  void register(Class<?> api) {
    RpcClient annotation = api.getAnnotation(RpcClient.class);
    if (annotation == null || !api.isInterface()) {
      throw new IllegalStateException(api.getName() + " is not an interface annotated @RpcClient");
    }
    if (registry.containsBeanDefinition(api.getName())) {
      return;
    }
    String name = annotation.value();
    if (name.isBlank()) {
      throw new IllegalStateException(api.getName() + ": @RpcClient needs a name, e.g. @RpcClient(\"restaurants\")");
    }
    for (String other : registry.getBeanDefinitionNames()) {
      Object otherName = registry.getBeanDefinition(other).getAttribute(RpcClientFactoryBean.CLIENT_NAME);
      if (name.equals(otherName)) {
        throw new IllegalStateException("two @RpcClient interfaces are named '" + name + "': " + other
            + " and " + api.getName() + "; client names must be unique (they name properties, meters and breakers)");
      }
    }
    Class<?> grpc = annotation.grpcService() != void.class ? annotation.grpcService() : null;
    GrpcService grpcService = api.getAnnotation(GrpcService.class);
    if (grpcService != null) {
      if (grpc != null && grpc != grpcService.value()) {
        throw new IllegalStateException(api.getName() + ": @RpcClient(grpcService=" + grpc.getSimpleName()
            + ") and @GrpcService(" + grpcService.value().getSimpleName() + ") disagree");
      }
      grpc = grpcService.value();
    }
    AbstractBeanDefinition definition = BeanDefinitionBuilder.genericBeanDefinition(RpcClientFactoryBean.class)
        .addConstructorArgValue(api)
        .addConstructorArgValue(name)
        .addConstructorArgValue(grpc)
        .getBeanDefinition();
    definition.setAttribute(FactoryBean.OBJECT_TYPE_ATTRIBUTE, api);
    definition.setAttribute(RpcClientFactoryBean.CLIENT_NAME, name);
    registry.registerBeanDefinition(api.getName(), definition);
  }
}
