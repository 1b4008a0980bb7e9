package dev.rpcproxy.spring;

import dev.rpcproxy.spring.internal.RpcClientsRegistrar;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Import;

/**
 * Scans the given packages for {@link RpcClient} interfaces and registers each as a bean. Without
 * it, the application's auto-configuration packages (those of its
 * {@code @SpringBootApplication}) are scanned.
 *
 * <pre>{@code
 * @SpringBootApplication
 * @EnableRpcClients(basePackageClasses = RestaurantApi.class)
 * class OrderApplication {}
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Import(RpcClientsRegistrar.class)
public @interface EnableRpcClients {

  /** Packages to scan. Default: the package of the annotated class, when no other is named. */
  String[] basePackages() default {};

  /** Packages to scan, named by a class in each. */
  Class<?>[] basePackageClasses() default {};

  /** Interfaces to register without scanning. */
  Class<?>[] clients() default {};
}
