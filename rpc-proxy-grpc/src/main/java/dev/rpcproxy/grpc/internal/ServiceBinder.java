package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.grpc.GrpcMethod;
import dev.rpcproxy.spi.CallShape;
import dev.rpcproxy.spi.BoundMethod;
import dev.rpcproxy.spi.MethodContext;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Flow;

/**
 * Binds interface methods to the unary and server-streaming RPCs of one {@link ServiceDescriptor}:
 * finds the RPC by name, checks the signature against the RPC's marshallers, and prepares a
 * {@link UnaryRpc} or a {@link ServerStreamingRpc} (for a method returning {@code Stream} or
 * {@code Flow.Publisher}).
 * Runs only at {@code build()}; every error names the interface method and the RPC.
 */
public final class ServiceBinder {
  private static final String ASYNC_SUFFIX = "Async";

  private final ServiceDescriptor service;
  /** Bare RPC name ({@code CreateTicket}) to descriptor, sorted for error messages. */
  private final Map<String, MethodDescriptor<?, ?>> rpcs;

  public ServiceBinder(ServiceDescriptor service) {
    this.service = service;
    TreeMap<String, MethodDescriptor<?, ?>> byName = new TreeMap<>();
    for (MethodDescriptor<?, ?> rpc : service.getMethods()) {
      byName.put(bareName(rpc), rpc);
    }
    this.rpcs = Collections.unmodifiableMap(byName);
  }

  /**
   * Binds {@code context}'s method to its RPC, sending through {@code channel} with
   * {@code callOptions} (a deadline is added per attempt).
   *
   * @throws IllegalArgumentException naming the method and the RPC: unknown RPC (listing those
   *     available), client-streaming or bidirectional RPC, a stream return type on a unary RPC or
   *     the reverse, not exactly one parameter, request or response type mismatch
   */
  public BoundMethod bind(MethodContext context, Channel channel, CallOptions callOptions) {
    Method method = context.method();
    String where = context.api().getName() + "." + method.getName();
    String rpcName = rpcName(context, service.getName());
    String fullName = MethodDescriptor.generateFullMethodName(service.getName(), rpcName);
    MethodDescriptor<?, ?> rpc = rpcs.get(rpcName);
    if (rpc == null) {
      throw new IllegalArgumentException(where + ": no RPC " + fullName + " in service "
          + service.getName() + "; available RPCs are " + rpcs.keySet()
          + (method.isAnnotationPresent(GrpcMethod.class)
              ? ""
              : "; rename the method or annotate it @GrpcMethod(\"RpcName\")"));
    }
    String bound = where + " -> " + rpc.getFullMethodName();
    MethodDescriptor.MethodType type = rpc.getType();
    boolean serverStreaming = type == MethodDescriptor.MethodType.SERVER_STREAMING;
    if (type != MethodDescriptor.MethodType.UNARY && !serverStreaming) {
      throw new IllegalArgumentException(bound + ": the RPC is " + type
          + "; client-streaming and bidirectional RPCs are not supported, only UNARY and SERVER_STREAMING");
    }
    if (serverStreaming != context.streaming()) {
      String message = messageClass(rpc.getResponseMarshaller()) == null ? "Message"
          : messageClass(rpc.getResponseMarshaller()).getSimpleName();
      throw new IllegalArgumentException(bound + ": the RPC is " + type + " but the method returns "
          + describe(context) + (serverStreaming
              ? "; declare Stream<" + message + "> (blocking) or Flow.Publisher<" + message + ">"
              : "; a Stream or Flow.Publisher needs a SERVER_STREAMING RPC"));
    }
    Class<?>[] params = method.getParameterTypes();
    if (params.length != 1) {
      throw new IllegalArgumentException(bound + ": expected exactly one parameter, the request message"
          + expected(rpc.getRequestMarshaller()) + ", but the method has " + params.length);
    }
    Class<?> requestType = messageClass(rpc.getRequestMarshaller());
    if (requestType != null && params[0] != requestType) {
      throw new IllegalArgumentException(bound + ": the parameter is " + params[0].getName()
          + " but the RPC's request message is " + requestType.getName());
    }
    Class<?> responseType = messageClass(rpc.getResponseMarshaller());
    Type valueType = context.valueType();
    if (responseType != null
        && !(valueType instanceof Class<?> declared && declared.isAssignableFrom(responseType))) {
      String wrapper = serverStreaming ? context.method().getReturnType().getSimpleName()
          : context.shape() == CallShape.ASYNC ? "CompletableFuture" : null;
      throw new IllegalArgumentException(bound + ": the method returns " + describe(context)
          + " but the RPC's response message is " + responseType.getName()
          + (wrapper != null ? "; declare " + wrapper + "<" + responseType.getSimpleName() + ">"
              : "; declare " + responseType.getSimpleName()));
    }
    if (serverStreaming) {
      return new ServerStreamingRpc(context.client(), method.getName(), channel, rpc, callOptions,
          rpc.isIdempotent() || rpc.isSafe());
    }
    return new UnaryRpc(context.client(), method.getName(), channel, rpc, callOptions,
        rpc.isIdempotent() || rpc.isSafe());
  }

  /** The RPCs of the service, by bare name. */
  public Map<String, MethodDescriptor<?, ?>> rpcs() {
    return rpcs;
  }

  private static String rpcName(MethodContext context, String serviceName) {
    Method method = context.method();
    GrpcMethod annotation = method.getAnnotation(GrpcMethod.class);
    if (annotation != null) {
      String value = annotation.value();
      if (value.isBlank()) {
        throw new IllegalArgumentException(context.api().getName() + "." + method.getName()
            + ": @GrpcMethod needs the RPC's name, e.g. @GrpcMethod(\"CreateTicket\")");
      }
      int slash = value.lastIndexOf('/');
      if (slash < 0) {
        return value;
      }
      if (!value.substring(0, slash).equals(serviceName)) {
        throw new IllegalArgumentException(context.api().getName() + "." + method.getName()
            + ": @GrpcMethod(\"" + value + "\") names another service; this transport serves "
            + serviceName);
      }
      return value.substring(slash + 1);
    }
    String name = method.getName();
    boolean nonBlocking = context.shape() == CallShape.ASYNC || method.getReturnType() == Flow.Publisher.class;
    if (nonBlocking && name.endsWith(ASYNC_SUFFIX) && name.length() > ASYNC_SUFFIX.length()) {
      name = name.substring(0, name.length() - ASYNC_SUFFIX.length());
    }
    return Character.toUpperCase(name.charAt(0)) + name.substring(1);
  }

  private static String bareName(MethodDescriptor<?, ?> rpc) {
    String bare = rpc.getBareMethodName();
    return bare != null ? bare : rpc.getFullMethodName();
  }

  /** The message class a protobuf marshaller produces, or {@code null} when it does not say. */
  private static Class<?> messageClass(MethodDescriptor.Marshaller<?> marshaller) {
    if (marshaller instanceof MethodDescriptor.PrototypeMarshaller<?> prototype
        && prototype.getMessagePrototype() != null) {
      return prototype.getMessagePrototype().getClass();
    }
    return null;
  }

  private static String expected(MethodDescriptor.Marshaller<?> marshaller) {
    Class<?> type = messageClass(marshaller);
    return type == null ? "" : " " + type.getName();
  }

  private static String describe(MethodContext context) {
    return context.method().getGenericReturnType().getTypeName();
  }
}
