package dev.rpcproxy.grpc;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** A started server and a channel to it, in-process or Netty on loopback; closed together. */
final class LocalServers implements AutoCloseable {
  final Server server;
  final ManagedChannel channel;

  private LocalServers(Server server, ManagedChannel channel) {
    this.server = server;
    this.channel = channel;
  }

  static LocalServers inProcess(BindableService service, ServerInterceptor... interceptors) {
    String name = InProcessServerBuilder.generateName();
    Server server = start(InProcessServerBuilder.forName(name)
        .addService(ServerInterceptors.intercept(service, interceptors)).build());
    return new LocalServers(server, InProcessChannelBuilder.forName(name).build());
  }

  static LocalServers netty(BindableService service, ServerInterceptor... interceptors) {
    Server server = start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(service, interceptors)).build());
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
        .usePlaintext().build();
    return new LocalServers(server, channel);
  }

  private static Server start(Server server) {
    try {
      return server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
