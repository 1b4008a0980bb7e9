package dev.rpcproxy.spi;

import java.lang.reflect.Method;
import java.lang.reflect.Type;

/**
 * What a {@link Transport} is told about one interface method when the proxy is built.
 *
 * @param client the client name, for exceptions and thread names
 * @param api the interface being proxied
 * @param method the method to bind
 * @param async whether the method returns {@code CompletableFuture}/{@code CompletionStage}
 * @param valueType the type of the value: the return type, or the future's type argument
 *     ({@code Restaurant} for {@code CompletableFuture<Restaurant>}, {@code Void} for void)
 */
public record MethodContext(String client, Class<?> api, Method method, boolean async, Type valueType) {

  /** {@code Api.method}, for error messages. */
  public String describe() {
    return api.getSimpleName() + "." + method.getName();
  }
}
