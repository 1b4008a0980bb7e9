package dev.rpcproxy.http.internal;

import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;

/**
 * Picks the parser of a method's annotation family: Spring's {@code @HttpExchange} family when
 * spring-web is on the class path and the method or its interface carries it, else JAX-RS. Spring
 * types are touched only after spring-web was found, so the JAX-RS path works without it.
 */
public final class ContractParsers {
  private static final boolean SPRING_WEB = present("org.springframework.web.service.annotation.HttpExchange");

  private ContractParsers() {}

  /**
   * The binding of one method.
   *
   * @throws IllegalArgumentException naming the interface and method, if it cannot be served
   */
  public static BoundMethod parse(MethodContext context, HttpSettings settings) {
    if (SPRING_WEB && Spring.applies(context)) {
      return Spring.parse(context, settings);
    }
    return JaxRsParser.parse(context, settings);
  }

  private static boolean present(String className) {
    try {
      Class.forName(className, false, ContractParsers.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /** Holds the only references to {@link SpringExchangeParser}, so that it loads only when used. */
  private static final class Spring {
    static boolean applies(MethodContext context) {
      return SpringExchangeParser.applies(context);
    }

    static BoundMethod parse(MethodContext context, HttpSettings settings) {
      return SpringExchangeParser.parse(context, settings);
    }
  }
}
