package dev.rpcproxy.spring;

import dev.rpcproxy.RpcProxy;

/**
 * A bean that adjusts every client's builder after the properties were applied and before it is
 * built: a {@code FailureClassifier}, a fallback object, per-method settings that have no
 * property.
 *
 * <pre>{@code
 * @Bean
 * RpcClientCustomizer notFoundCounts() {
 *   return (name, builder) -> {
 *     if (name.equals("restaurants")) builder.classifier(myClassifier);
 *   };
 * }
 * }</pre>
 */
@FunctionalInterface
public interface RpcClientCustomizer {

  /** Adjusts the builder of the client named {@code name}. */
  void customize(String name, RpcProxy.Builder<?> builder);
}
