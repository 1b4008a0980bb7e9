package dev.rpcproxy.internal;

import dev.rpcproxy.spi.Transport;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.util.List;

/**
 * The proxy's {@link InvocationHandler}: planned methods go through {@link CallPipeline};
 * {@code default} methods run locally; {@code equals}, {@code hashCode} and {@code toString}
 * are answered locally and never sent.
 */
public final class ProxyHandler implements InvocationHandler {
  private final Class<?> api;
  private final String client;
  private final Transport transport;
  private final MethodTable methods;

  ProxyHandler(Class<?> api, String client, Transport transport, MethodTable methods) {
    this.api = api;
    this.client = client;
    this.transport = transport;
    this.methods = methods;
  }

  @Override
  public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
    // Kept this small so that the JIT inlines it into the proxy class and the caller (the pipeline
    // is too large to be inlined here): a rejection thrown here then compiles into a jump to the
    // caller's catch instead of HotSpot unwinding a compiled frame.
    Object entry = methods.get(method);
    if (entry instanceof MethodPlan plan) {
      Object result = CallPipeline.invoke(plan, args);
      if (result instanceof Rejected rejected) {
        throw rejected.failure;
      }
      return result;
    }
    return invokeLocally(proxy, method, entry, args);
  }

  /** A method that is not sent: a {@code default} method, or one of {@code Object}'s. */
  private Object invokeLocally(Object proxy, Method method, Object entry, Object[] args) throws Throwable {
    if (entry instanceof MethodHandle defaultMethod) {
      return defaultMethod.bindTo(proxy).invokeWithArguments(args == null ? new Object[0] : args);
    }
    switch (method.getName()) {
      case "equals":
        return args != null && args.length == 1 && proxy == args[0];
      case "hashCode":
        return System.identityHashCode(proxy);
      case "toString":
        return toString();
      default:
        throw new UnsupportedOperationException(api.getName() + "." + method.getName() + " is not proxied");
    }
  }

  /** The interface. For {@link ClientInspector}. */
  Class<?> api() {
    return api;
  }

  /** The client's name. For {@link ClientInspector}. */
  String client() {
    return client;
  }

  /** The transport. For {@link ClientInspector}. */
  Transport transport() {
    return transport;
  }

  /** The plan of every method sent to the transport. For {@link ClientInspector}. */
  List<MethodPlan> plans() {
    return methods.plans();
  }

  /** Closes the transport. */
  public void close() {
    transport.close();
  }

  @Override
  public String toString() {
    return "RpcProxy[" + api.getSimpleName() + " '" + client + "' via " + transport + "]";
  }
}
