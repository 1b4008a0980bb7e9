package dev.rpcproxy.spring.internal;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one gRPC call on a throwaway channel to a loopback socket of its own, once per JVM, when
 * the first gRPC client bean is built. A JVM's first gRPC call loads some 800 classes (the
 * channel's name resolver and load balancer, Netty's event loop, bootstrap and HTTP/2 codec):
 * a second or more on a cold JVM, enough to time out a client with a short timeout.
 *
 * <p>Nothing leaves the machine and no service is called: the socket accepts the connection and
 * closes it, so the call fails ({@code UNAVAILABLE}) after the channel has connected, written its
 * HTTP/2 preface and settings, and read the end of the stream. The application's channels are
 * not touched (they still connect on their first call). A failure of the warm-up itself is
 * logged at debug level and otherwise ignored.
 */
final class GrpcWarmUp {
  private static final Logger log = LoggerFactory.getLogger(GrpcWarmUp.class);
  private static final AtomicBoolean done = new AtomicBoolean();
  private static final int BOUND_MILLIS = 5_000;
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private GrpcWarmUp() {}

  /** Runs the warm-up if no client in this JVM ran it yet. */
  static void once() {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    long start = System.nanoTime();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(BOUND_MILLIS);
      Thread closing = new Thread(() -> acceptAndClose(server), "rpc-proxy-grpc-warm-up");
      closing.setDaemon(true);
      closing.start();
      ManagedChannel channel = ManagedChannelBuilder
          .forTarget(InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getLocalPort())
          .usePlaintext().build();
      try {
        MethodDescriptor<byte[], byte[]> ping = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("rpcproxy.WarmUp/Ping")
            .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        ClientCalls.blockingUnaryCall(channel, ping,
            CallOptions.DEFAULT.withDeadlineAfter(BOUND_MILLIS, TimeUnit.MILLISECONDS), new byte[0]);
      } catch (StatusRuntimeException expected) {
        // the socket closed the connection: the call was meant to fail
      } finally {
        channel.shutdownNow();
        channel.awaitTermination(BOUND_MILLIS, TimeUnit.MILLISECONDS);
      }
      closing.join(BOUND_MILLIS);
      log.debug("gRPC warm-up took {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } catch (Exception | LinkageError e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.debug("gRPC warm-up failed; the first call will load what it needs", e);
    }
  }

  /** Accepts one connection, reads what the client sends first (its preface), and closes it. */
  private static void acceptAndClose(ServerSocket server) {
    try (Socket socket = server.accept()) {
      socket.setSoTimeout(BOUND_MILLIS);
      socket.getInputStream().read(new byte[1024]);
    } catch (IOException e) {
      // nothing to do: the call fails either way
    }
  }
}
