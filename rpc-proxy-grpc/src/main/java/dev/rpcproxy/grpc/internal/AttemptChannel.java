package dev.rpcproxy.grpc.internal;

import dev.rpcproxy.spi.AttemptContext;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What every attempt's {@code ClientCall} is made with, for unary and server-streaming RPCs alike:
 * the client's channel with the attempt's trace-context headers attached as metadata, and the
 * client's {@link CallOptions} with the attempt's deadline (which always wins).
 */
final class AttemptChannel {
  private final Channel channel;
  private final CallOptions callOptions;

  AttemptChannel(Channel channel, CallOptions callOptions) {
    this.channel = channel;
    this.callOptions = callOptions;
  }

  /** The channel for {@code attempt}: with its headers as metadata when it has any. */
  Channel channel(AttemptContext attempt) {
    Map<String, String> headers = attempt.headers();
    if (headers.isEmpty()) {
      return channel;
    }
    Metadata metadata = new Metadata();
    headers.forEach((name, value) -> metadata.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value));
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(metadata));
  }

  /** The call options of an attempt with {@code remainingNanos} left. */
  CallOptions options(long remainingNanos) {
    return callOptions.withDeadlineAfter(remainingNanos, TimeUnit.NANOSECONDS);
  }
}
