package dev.rpcproxy.spring.internal;

import dev.rpcproxy.EndpointSource;
import dev.rpcproxy.grpc.GrpcChannels;
import dev.rpcproxy.grpc.GrpcTransport;
import dev.rpcproxy.spi.Transport;
import dev.rpcproxy.spring.RpcProxyProperties;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.ServiceDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Builds the {@code GrpcTransport} of a gRPC client: the service from the generated class's
 * static {@code getServiceDescriptor()}, a channel to {@code grpc.target} (or balanced over
 * {@code endpoints}), plaintext or TLS. The channel is owned by the client bean and shut down
 * with it. Loaded only when rpc-proxy-grpc is on the class path.
 */
final class GrpcTransports {
  private GrpcTransports() {}

  static Transport create(String prefix, Class<?> api, Class<?> serviceClass, RpcProxyProperties.Client client,
      RpcProxyProperties.Defaults defaults, ListableBeanFactory beans, Resources owned) {
    ServiceDescriptor service = descriptor(api, serviceClass);
    RpcProxyProperties.Grpc grpc = client.getGrpc();
    EndpointSource endpoints = EndpointSettings.source(prefix + ".endpoints", client.getEndpoints(), beans, owned);
    String target = grpc.getTarget();
    if (target != null && endpoints != null) {
      throw new InvalidConfigurationPropertyValueException(prefix + ".endpoints", client.getEndpoints(),
          "set grpc.target or endpoints, not both");
    }
    if (target == null && endpoints == null) {
      throw new InvalidConfigurationPropertyValueException(prefix + ".grpc.target", null,
          "a gRPC client (" + api.getName() + " names " + service.getName() + ") needs grpc.target (or endpoints)");
    }
    ManagedChannelBuilder<?> channel;
    try {
      channel = target != null ? ManagedChannelBuilder.forTarget(target) : GrpcChannels.balanced(endpoints);
    } catch (RuntimeException e) {
      throw new InvalidConfigurationPropertyValueException(prefix + ".grpc.target", target,
          "no channel could be made for it: " + e.getMessage());
    }
    Boolean plaintext = grpc.getPlaintext() != null ? grpc.getPlaintext() : defaults.getGrpc().getPlaintext();
    if (Boolean.TRUE.equals(plaintext)) {
      channel.usePlaintext();
    } else {
      channel.useTransportSecurity();
    }
    if (grpc.getAuthority() != null) {
      channel.overrideAuthority(grpc.getAuthority());
    }
    GrpcWarmUp.once();
    ManagedChannel built = channel.build();
    owned.add(() -> shutdown(built));
    return GrpcTransport.builder(built, service).build();
  }

  private static void shutdown(ManagedChannel channel) throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
      channel.shutdownNow();
    }
  }

  static ServiceDescriptor descriptor(Class<?> api, Class<?> serviceClass) {
    try {
      Method method = serviceClass.getMethod("getServiceDescriptor");
      if (!Modifier.isStatic(method.getModifiers()) || !ServiceDescriptor.class.isAssignableFrom(method.getReturnType())) {
        throw new NoSuchMethodException();
      }
      return (ServiceDescriptor) method.invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(api.getName() + ": gRPC service class " + serviceClass.getName()
          + " has no static getServiceDescriptor(); name the class protoc-gen-grpc-java generated (e.g. KitchenServiceGrpc)", e);
    }
  }
}
